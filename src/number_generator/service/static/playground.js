// number_generator playground: asks GET generate.png for the form's values and shows the PNG.
"use strict";

(() => {
  const FIELDS = ["digits", "spacing_min", "spacing_max", "image_width", "image_height", "fit",
    "writer", "spacing_mode", "augment", "seed"];
  const form = document.getElementById("form");
  const button = document.getElementById("generate");
  const statusLine = document.getElementById("status");
  const errorBox = document.getElementById("error");
  const figure = document.getElementById("figure");
  const image = document.getElementById("image");
  const caption = document.getElementById("caption");
  const download = document.getElementById("download");
  const direct = document.getElementById("direct");
  let objectUrl = null;

  function query() {
    const params = new URLSearchParams();
    for (const name of FIELDS) {
      const value = form.elements[name].value.trim();
      if (value !== "") params.set(name, value);
    }
    return params;
  }

  function describe(detail) {
    if (!Array.isArray(detail)) return String(detail);
    return detail.map((item) => {
      const where = Array.isArray(item.loc) ? item.loc.slice(1).join(".") : "";
      return where ? `${where}: ${item.msg}` : item.msg;
    }).join("\n");
  }

  function clearImage() {
    // An error must not sit above the previous request's picture, caption and links.
    figure.hidden = true;
    image.removeAttribute("src");
    image.removeAttribute("style");
    delete image.dataset.digits;
    caption.textContent = "";
    download.href = "#";
    download.download = "digits.png";
    direct.href = "#";
    if (objectUrl) URL.revokeObjectURL(objectUrl);
    objectUrl = null;
  }

  function showError(message) {
    clearImage();
    errorBox.textContent = message;
    errorBox.hidden = false;
    statusLine.textContent = "";
  }

  function fileName(digits) {
    // Separators ("-", "/", " ") written as one "-" each run: a safe file name.
    return `${digits.replace(/[-/ .,+():]+/g, "-").replace(/^-+|-+$/g, "") || "digits"}.png`;
  }

  function applyZoom() {
    const zoom = Number(form.elements.zoom.value) || 1;
    if (image.naturalWidth) {
      image.style.width = `${image.naturalWidth * zoom}px`;
      image.style.height = `${image.naturalHeight * zoom}px`;
    }
  }

  async function generate(event) {
    if (event) event.preventDefault();
    const params = query();
    button.disabled = true;
    statusLine.textContent = "Generating…";
    try {
      const response = await fetch(`generate.png?${params}`, { headers: { Accept: "image/png" } });
      if (!response.ok) {
        let message = `The server answered ${response.status} ${response.statusText}`;
        try {
          message = describe((await response.json()).detail);
        } catch (_) { /* not JSON: keep the status line */ }
        showError(message);
        return;
      }
      const blob = await response.blob();
      const seed = response.headers.get("X-Seed");
      // The writers of the digits (strokes are -1): named when one hand wrote them all.
      const writers = [...new Set((response.headers.get("X-Writers") || "").split(",")
        .filter((id) => id !== "" && id !== "-1"))];
      const digits = params.get("digits") || "";
      if (objectUrl) URL.revokeObjectURL(objectUrl);
      objectUrl = URL.createObjectURL(blob);
      image.src = objectUrl;
      await image.decode();
      applyZoom();
      const hand = params.get("writer") === "same" && writers.length
        ? `, writer ${writers.join(" + ")}` : "";
      caption.textContent =
        `${digits}: ${image.naturalWidth} × ${image.naturalHeight} px, seed ${seed}${hand}`;
      download.href = objectUrl;
      download.download = fileName(digits);
      if (seed) params.set("seed", seed);
      direct.href = `generate.png?${params}`;
      image.dataset.digits = digits;
      errorBox.hidden = true;
      figure.hidden = false;
      statusLine.textContent = "";
    } catch (error) {
      showError(`The request failed: ${error}`);
    } finally {
      button.disabled = false;
    }
  }

  form.addEventListener("submit", generate);
  form.elements.zoom.addEventListener("change", applyZoom);
  generate();
})();
