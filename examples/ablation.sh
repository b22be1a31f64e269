#!/usr/bin/env bash
# The README's ablation: what each realism feature buys, at one budget.
# Every run: 3,000 steps of 32 images, seeds 0, writer-disjoint split, scored
# on the same held-out sets (clean phone numbers, clean 4-12 digit strings,
# document-style punctuated strings). Runs one after another; extra options
# go to every run (the last of a repeated option wins, e.g. --threads 1).
# Usage: [RUNS="medium none ..."] bash examples/ablation.sh [OUT] [train_ctc.py options ...]
set -euo pipefail
out=${1:-runs/ablation}
shift || true
extra=("$@")
here=$(dirname "$0")
# Every run starts from the same base, the example's defaults before the recommended
# recipe became them (unpunctuated strings, any writer, ink gaps 2-8, 20-pixel digits),
# so each run's own options say exactly what it adds.
base=(--templates phone random:4-12 --writer any --spacing-mode ink
      --digit-height 20 --width-scale 1 --min-spacing 2 --max-spacing 8)
punctuated=(phone@2 random:4-12@2 '#,###.##' '##,###.-' '+81 ##-####-####' '(0#) ####-####')
realism=(--augment document --writer same --spacing-mode contour --templates "${punctuated[@]}")
compact=(--min-spacing 0 --max-spacing 5 --width-scale 0.75-1 --digit-height 14-26)
broad=(--min-spacing 0 --max-spacing 8 --width-scale 0.75-1.1 --digit-height 14-26)
for name in ${RUNS:-none medium document same-writer contour punctuation realism compact broad}; do
    case $name in
        none) options=(--augment none) ;;
        medium) options=(--augment medium) ;;
        document) options=(--augment document) ;;
        same-writer) options=(--augment medium --writer same) ;;
        contour) options=(--augment medium --spacing-mode contour) ;;
        punctuation) options=(--augment medium --templates "${punctuated[@]}") ;;
        realism) options=("${realism[@]}") ;;
        compact) options=("${realism[@]}" "${compact[@]}") ;;
        broad) options=("${realism[@]}" "${broad[@]}") ;;
        *) echo "ablation.sh: unknown run '$name'" >&2; exit 2 ;;
    esac
    echo "== $name: ${options[*]}"
    python "$here/train_ctc.py" --steps 3000 --threads 2 --out "$out/$name" \
        "${base[@]}" "${options[@]}" "${extra[@]}"
done
