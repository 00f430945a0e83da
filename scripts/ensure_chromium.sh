#!/usr/bin/env bash
# The browser tests drive Debian's Chromium at /usr/bin/chromium (Playwright's own browser
# download does not work offline). Install it when it is missing and we may (root with
# apt-get); otherwise say that the browser tests will be skipped (CI=true fails them instead).
set -u
BROWSER=/usr/bin/chromium
[ -x "$BROWSER" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing chromium for the browser tests (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium >/dev/null
  then
    exit 0
  fi
  echo "warning: could not install chromium with apt-get" >&2
else
  echo "note: $BROWSER is missing and this is not root with apt-get; the browser tests will" \
       "be skipped (install the 'chromium' package to run them)" >&2
fi
exit 0
