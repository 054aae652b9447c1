#!/usr/bin/env bash
# Fetches the long real PDFs the PDF ingest benchmark (`cargo bench -p exhibit-cli --bench pdf`)
# measures: Debian documentation packages, downloaded with `apt-get download` (no root needed,
# nothing installed), unpacked with `dpkg-deb -x` into a cache outside git, and every PDF of at
# least MIN_PAGES pages copied into one flat folder.
#
#   cli/benches/fetch-debian-docs.sh [CACHE_DIR]     (default: target/debian-docs)
#
# Prints the folder of PDFs on its last line. Re-running reuses what is already downloaded.
# Needs `apt-get update` to have run once (as root) so that the package lists are known.
set -euo pipefail

here="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${1:-$here/target/debian-docs}"
min_pages="${MIN_PAGES:-20}"
# Documentation packages that ship typeset manuals as PDF (R's manuals, gnuplot, GNU Octave,
# PARI/GP, GLPK, Asymptote, Maxima, Yosys, GNU Prolog, SBCL, the C++ Annotations, Debian Live in
# a dozen languages, ...): books from 20 to 2,400 pages, made by pdfTeX, LuaTeX, dblatex, FOP and
# others — ordinary long documents, not the corpus's bug-report files. About 90 MB of packages.
packages=(r-doc-pdf gnuplot-doc octave-doc pari-doc glpk-doc asymptote-doc maxima-doc yosys-doc gprolog-doc sbcl-doc
  auto-multiple-choice-doc-pdf c++-annotations-pdf docbook-xsl-doc-pdf gri-pdf-doc live-manual-pdf siscone-doc-pdf
  ubuntu-packaging-guide-pdf why3-doc-pdf)

mkdir -p "$cache/debs" "$cache/root" "$cache/pdfs"
cd "$cache/debs"
for p in "${packages[@]}"; do
  if ! ls "${p}"_*.deb >/dev/null 2>&1; then
    apt-get download "$p" >&2 || { echo "could not download $p (run apt-get update first?)" >&2; exit 1; }
  fi
done
for deb in ./*.deb; do
  dpkg-deb -x "$deb" "$cache/root"
done

rm -f "$cache/pdfs"/*.pdf "$cache/pdfs/.seen"
count=0
while IFS= read -r -d '' f; do
  # Compressed manuals (foo.pdf.gz) are unpacked beside the others.
  case "$f" in
    *.pdf.gz) tmp="$cache/pdfs/.tmp.pdf"; gzip -dc "$f" > "$tmp"; src="$tmp"; name="$(basename "${f%.gz}")" ;;
    *) src="$f"; name="$(basename "$f")" ;;
  esac
  pages=$(pdfinfo "$src" 2>/dev/null | awk '/^Pages:/ {print $2}')
  # A flat, unique name: the path below /usr/share with its slashes as "__".
  flat=$(dirname "${f#"$cache/root/usr/share/"}" | sed 's#/#__#g')
  # The same manual installed twice (R's refman.pdf and fullrefman.pdf: equal but for their
  # IDs) is measured once: same size, same page count.
  sum="$(stat -c %s "$src")-$pages"
  if [ -n "${pages:-}" ] && [ "$pages" -ge "$min_pages" ] && ! grep -qx "$sum" "$cache/pdfs/.seen" 2>/dev/null; then
    echo "$sum" >> "$cache/pdfs/.seen"
    cp "$src" "$cache/pdfs/${flat}__${name}"
    count=$((count + 1))
  fi
  rm -f "$cache/pdfs/.tmp.pdf"
done < <(find "$cache/root" -type f \( -name '*.pdf' -o -name '*.pdf.gz' \) -print0 | sort -z)

echo "$count PDFs of at least $min_pages pages ($(du -sh "$cache/pdfs" | cut -f1)) in:" >&2
echo "$cache/pdfs"
