#!/usr/bin/env bash
# The README's ablation: what each realism feature buys, at one budget.
# Every run: 3,000 steps of 32 images, 2 torch threads, seeds 0, writer-disjoint
# split; scored on the same held-out sets (clean phone numbers, clean 4-12
# digit strings, document-style punctuated strings). Runs one after another
# (each wants both cores); extra arguments go to every run, e.g. --data-dir.
# Usage: bash examples/ablation.sh [OUT_FOLDER] [train_ctc.py options ...]
set -euo pipefail
out=${1:-runs/ablation}
shift || true
here=$(dirname "$0")
punctuated=(phone@2 random:4-12@2 '#,###.##' '##,###.-' '+81 ##-####-####' '(0#) ####-####')
run() {
    local name=$1
    shift
    echo "== $name: $*"
    python "$here/train_ctc.py" --steps 3000 --threads 2 --out "$out/$name" "$@" "${extra[@]}"
}
extra=("$@")
run medium --augment medium
run document --augment document
run realism --augment document --writer same --spacing-mode contour --templates "${punctuated[@]}"
run none --augment none
run same-writer --augment medium --writer same
run contour --augment medium --spacing-mode contour
run punctuation --augment medium --templates "${punctuated[@]}"
