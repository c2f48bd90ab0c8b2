#!/usr/bin/env bash
# Opens every step-by-step page in graphs/ in a real headless Chromium and runs the page's own
# checks (?selftest=1, see src/viz/viewer.js):
#   - every step runs without a script error, and state() answers for each;
#   - step 0 reveals no gradient, only the inputs' values; forward steps reveal values in
#     creation order, backward steps gradients in reverse; each caption ends in its number;
#   - the last step shows the numbers the example asserts (?expect=label.field:value,...);
#   - a link with #step=N opens at step N.
# Then it takes a screenshot of each page at a middle step into target/browser/ (not
# committed), for a person to look at.
#
# Usage: tests/browser/check_pages.sh [chromium binary]
#        CHECK_PAGES="apple sigmoid" tests/browser/check_pages.sh   (only those pages)
# Exit status: 0 when every page passes, 1 when one fails, 2 when no browser was found.
set -euo pipefail
cd "$(dirname "$0")/../.."

browser=${1:-}
if [ -z "$browser" ]; then
    for b in chromium chromium-browser google-chrome; do
        if command -v "$b" >/dev/null 2>&1; then
            browser=$b
            break
        fi
    done
fi
if [ -z "$browser" ]; then
    echo "check_pages: no Chromium found (chromium, chromium-browser, google-chrome)" >&2
    exit 2
fi

# What each example asserts, as label.field:value (the book's and the examples' numbers).
declare -A expect=(
    [apple]="price.data:220,apple.grad:2.2,apple_num.grad:110,tax.grad:200"
    [apple_orange]="price.data:715,apple.grad:2.2,apple_num.grad:110,orange.grad:3.3,orange_num.grad:165,tax.grad:650"
    [sigmoid]="x.data:1,y.data:0.7310585786300049,x.grad:0.19661193324148185"
    [xor_network]="x1.data:0,x2.data:1,loss.grad:1"
    [sigmoid_grad]="x.data:1,dy/dx.data:0.19661193324148185"
    [playground]="L.data:-8,a.grad:6,b.grad:-4,c.grad:-2,f.grad:4,e.data:-6,d.data:4"
    [softmax_with_loss]="L.data:0.3057144648124522,a1.grad:0.018211273295547534,a2.grad:0.2451918129350739,a3.grad:-0.2634030862306215,L.grad:1"
)

out=target/browser
mkdir -p "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
run() {
    # The flags a root user in a container needs, and no network or first-run chatter.
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --hide-scrollbars "$@" 2>/dev/null
}

failed=0
pages=0
for page in graphs/*.html; do
    name=$(basename "$page" .html)
    # The training page is no recording to step through: tests/browser/check_train.py checks it.
    [ "$name" = train ] && continue
    if [ -n "${CHECK_PAGES:-}" ] && [[ " $CHECK_PAGES " != *" $name "* ]]; then
        continue
    fi
    pages=$((pages + 1))
    url="file://$PWD/$page"
    if [ -z "${expect[$name]:-}" ]; then
        echo "FAIL $name: tests/browser/check_pages.sh has no expected numbers for it"
        failed=1
        continue
    fi
    # The number of steps, from the page's data, to pick a middle step.
    steps=$(grep -o '"phase":' "$page" | wc -l)
    middle=$((steps / 2))
    dom=$(run --dump-dom "$url?selftest=1&expect=${expect[$name]}#step=$middle" || true)
    result=$(printf '%s' "$dom" | sed -n '/<pre id="selftest"/,/<\/pre>/p' | sed 's/<[^>]*>//g')
    if [[ "$result" == PASS* ]]; then
        echo "ok   $name: ${result%%$'\n'*} (opened at #step=$middle)"
    else
        echo "FAIL $name: ${result:-the page wrote no result (script error?)}"
        failed=1
    fi
    # The same checks in Japanese.
    dom=$(run --dump-dom "$url?selftest=1&lang=ja&expect=${expect[$name]}" || true)
    result=$(printf '%s' "$dom" | sed -n '/<pre id="selftest"/,/<\/pre>/p' | sed 's/<[^>]*>//g')
    if [[ "$result" != PASS* ]]; then
        echo "FAIL $name (?lang=ja): ${result:-no result}"
        failed=1
    fi
    run --window-size=1400,900 --screenshot="$PWD/$out/$name.png" "$url#step=$middle" >/dev/null || true
    if [ -s "$out/$name.png" ]; then
        echo "     screenshot at step $middle: $out/$name.png"
    else
        echo "FAIL $name: no screenshot"
        failed=1
    fi
done
if [ "$pages" -eq 0 ]; then
    echo "FAIL: no pages in graphs/"
    failed=1
fi
exit "$failed"
