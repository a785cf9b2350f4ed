#!/usr/bin/env bash
# Debian packages the tests and `make run` need: slapd and ldap-utils for the LDAP login (the
# tests and the dev directory start their own throwaway slapd, scripts/slapd.py; the system
# service is never used), chromium for the portal's browser test, a CJK font so that Chinese
# renders in the browser, openssl for the throwaway certificates of the TLS tests.
# Idempotent: when every binary is already there, it does nothing (no apt-get at all).
set -euo pipefail

needed=(/usr/sbin/slapd /usr/sbin/slapadd /usr/bin/ldapsearch /usr/bin/chromium /usr/bin/openssl
        /usr/share/fonts/truetype/wqy/wqy-microhei.ttc)
missing=0
for binary in "${needed[@]}"; do
    [[ -x "$binary" ]] || missing=1
done
if [[ $missing -eq 0 ]]; then
    exit 0
fi

if [[ $(id -u) -eq 0 ]]; then
    sudo=()
else
    sudo=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
# Preseeded so slapd's postinst creates no directory of its own and asks nothing.
echo "slapd slapd/no_configuration boolean true" | "${sudo[@]}" debconf-set-selections
"${sudo[@]}" apt-get update -qq
# policy-rc.d exit 101 stops the package from starting the system service while installing
# (in containers without an init system a started service would simply linger).
policy=/usr/sbin/policy-rc.d
created_policy=0
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
    "${sudo[@]}" chmod +x "$policy"
    created_policy=1
fi
trap '[[ $created_policy -eq 1 ]] && "${sudo[@]}" rm -f "$policy"' EXIT
"${sudo[@]}" apt-get install -y -qq --no-install-recommends \
    slapd ldap-utils chromium fonts-wqy-microhei openssl >/dev/null

# Where systemd runs, keep the system service off: the tests run their own slapd.
if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
    "${sudo[@]}" systemctl disable --now slapd >/dev/null 2>&1 || true
fi
