# libcurl, libnftables and graphviz's libgvc are dlopen()ed on first use
# (backends/dlib.c): topo is not linked against them, a topology that needs
# none applies with the libraries gone, and one that needs them fails with a
# message naming the library and its package, nothing applied. The libraries are
# hidden by bind-mounting an empty file over them, in the sandbox's private
# mount namespace only.
. "$(dirname "$0")/lib.sh"

lacks_lib() { ! ldd "$TOPO" | grep -q "$1"; }
ok "not linked against libcurl" lacks_lib libcurl
ok "not linked against libnftables" lacks_lib libnftables
ok "not linked against graphviz" lacks_lib libgvc
ok "nor against libcgraph" lacks_lib libcgraph

: >"$WORK/empty"
hide() { mount --bind "$WORK/empty" "$(readlink -f "/lib/x86_64-linux-gnu/$1")"; }
hide libnftables.so.1
hide libcurl.so.4
hide libgvc.so.6
! nft list ruleset >/dev/null 2>&1 || fail "libnftables is not hidden"

cat >"$WORK/plain.yaml" <<'YAML'
topology: dl
namespaces:
  a:
    interfaces:
      eth0: {addresses: [10.91.0.1/24]}
  b:
    interfaces:
      eth0: {addresses: [10.91.0.2/24]}
links:
  - [a:eth0, b:eth0]
YAML
ok "no docker:, no nft text: applies without either library" "$TOPO" apply "$WORK/plain.yaml"
expect_ping a 10.91.0.2
ok "and destroys" "$TOPO" destroy "$WORK/plain.yaml"
ok "graph writes dot without graphviz" "$TOPO" graph "$WORK/plain.yaml"
got=0; "$TOPO" graph --format svg "$WORK/plain.yaml" >"$WORK/out" 2>&1 || got=$?
[ "$got" -eq 1 ] || { cat "$WORK/out" >&2; fail "graph --format svg without libgvc: exit $got, want 1"; }
contains "names graphviz" "$WORK/out" "graphviz (libgvc.so.6)"
contains "names its package" "$WORK/out" "apt install libgvc6"
lacks "no crash (graph)" "$WORK/out" "Sanitizer"
before=$(ip -j netns list | jq -S .)

# nft text: apply refused with the library named, nothing left behind.
cat >"$WORK/nft.yaml" <<'YAML'
topology: dl
namespaces:
  a:
    interfaces:
      eth0: {addresses: [10.91.0.1/24]}
    nft:
      inet: |
        chain c { type filter hook input priority filter; policy accept; }
  b:
    interfaces:
      eth0: {addresses: [10.91.0.2/24]}
links:
  - [a:eth0, b:eth0]
YAML
got=0; "$TOPO" apply "$WORK/nft.yaml" >"$WORK/out" 2>&1 || got=$?
[ "$got" -ne 0 ] || { cat "$WORK/out" >&2; fail "nft text applied without libnftables"; }
contains "names libnftables" "$WORK/out" "libnftables (libnftables.so.1)"
contains "names the package" "$WORK/out" "apt install libnftables1"
eq "nothing applied (nft)" "$(ip -j netns list | jq -S .)" "$before"
lacks "no crash" "$WORK/out" "Sanitizer"

# docker: the Engine API is asked through libcurl; the socket exists.
: >"$WORK/docker.sock"
cat >"$WORK/docker.yaml" <<YAML
topology: dl
namespaces:
  a:
    interfaces:
      eth0: {addresses: [10.91.0.1/24]}
  web:
    docker: web
    interfaces:
      eth1: {addresses: [10.91.0.2/24]}
links:
  - [a:eth0, web:eth1]
YAML
got=0; DOCKER_HOST=unix://$WORK/docker.sock "$TOPO" apply "$WORK/docker.yaml" >"$WORK/out" 2>&1 || got=$?
[ "$got" -ne 0 ] || { cat "$WORK/out" >&2; fail "docker: applied without libcurl"; }
contains "names libcurl" "$WORK/out" "libcurl (libcurl.so.4)"
contains "names the package" "$WORK/out" "apt install libcurl4"
eq "nothing applied (docker)" "$(ip -j netns list | jq -S .)" "$before"
lacks "no crash" "$WORK/out" "Sanitizer"
done_ok
