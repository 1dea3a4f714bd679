# The state file is input too. A tampered or corrupt /run/topo/<topology>.json
# (a kernel.* key, a namespace name that climbs out of /run/netns, a name
# with '/', wrong types, a truncated file, another topology's record) is
# refused by apply and diff with a message naming the file and the problem,
# and not rewritten; destroy --name warns and goes by the kernel's marks,
# leaving the kernel as it was before the apply (ip_forward comes back from
# the host sysctl registry), writing nothing under /proc/sys/kernel and
# deleting nothing outside /run/netns. Interface names that are not ASCII
# survive the state file.
. "$(dirname "$0")/lib.sh"
F=$TOPOLOGIES/seed001-bridge.yaml
S=/run/topo/seed001.json
echo 0 >/proc/sys/net/ipv4/ip_forward

# Tripwires. A write to kernel.domainname lands in a file of ours (this
# sandbox's own mount namespace); a Docker-style namespace outside /run/netns
# that a tampered name could point at.
echo guard >"$WORK/domainname"
mount --bind "$WORK/domainname" /proc/sys/kernel/domainname
ip netns add victim
touch /run/docker/netns/victim
mount --bind /run/netns/victim /run/docker/netns/victim
ip -n victim link add keep0 type bridge
snapshot "$WORK/before"

victim_intact() {
	n_checks=$((n_checks + 1))
	[ -e /run/docker/netns/victim ] || fail "$1: /run/docker/netns/victim was deleted"
	nsenter --net=/run/docker/netns/victim ip link show keep0 >/dev/null 2>&1 ||
		fail "$1: /run/docker/netns/victim is no longer that namespace"
	eq "$1: nothing written to /proc/sys/kernel" "$(cat "$WORK/domainname")" guard
}

# tamper NAME PROBLEM CMD...: CMD turns the good state file ($WORK/good.json)
# into a bad one on stdout; PROBLEM is what the message must say.
tamper() {
	local name=$1 problem=$2; shift 2
	ok "$name: apply" "$TOPO" apply "$F"
	cp "$S" "$WORK/good.json"
	"$@" <"$WORK/good.json" >"$S"
	cp "$S" "$WORK/bad.json"
	rc 1 "$name: diff refuses" "$TOPO" diff "$F"
	contains "$name: diff names the file" "$WORK/out" "state file $S: "
	contains "$name: diff says what is wrong" "$WORK/out" "$problem"
	lacks "$name: not a bare errno" "$WORK/out" "Invalid argument"
	rc 1 "$name: apply refuses" "$TOPO" apply "$F"
	contains "$name: apply says what is wrong" "$WORK/out" "$problem"
	cmp -s "$S" "$WORK/bad.json" || fail "$name: apply rewrote the bad state file"
	ok "$name: destroy --name" "$TOPO" destroy --name seed001
	contains "$name: destroy warns" "$WORK/out" "warning: state file $S: "
	contains "$name: and says why" "$WORK/out" "$problem"
	contains "$name: and what it cannot restore" "$WORK/out" "cannot be restored"
	lacks "$name: no kernel.* step" "$WORK/out" "~ sysctl kernel."
	contains "$name: ip_forward back from the registry" "$WORK/out" "~ sysctl net.ipv4.ip_forward=0 (was 1)"
	[ ! -e "$S" ] || fail "$name: the bad state file is still there"
	victim_intact "$name"
	snapshot "$WORK/after"
	same_snapshot "$name: the kernel as before the apply" "$WORK/before" "$WORK/after"
}

tamper "kernel key" "sysctls[1].key: 'kernel.domainname' is not a sysctl topo may touch" \
	jq '.sysctls += [{"ns": "host", "key": "kernel.domainname", "original": "pwned"}]'
tamper "sysctl path escape" "is not a sysctl topo may touch" \
	jq '.sysctls += [{"ns": "host", "key": "net.ipv4/../../kernel/domainname", "original": "pwned"}]'
tamper "namespace outside /run/netns" "'../docker/netns/victim' is not a namespace name" \
	jq '.namespaces += [{"name": "../docker/netns/victim", "kind": "created"}]'
tamper "dot-dot namespace" "'..' is not a namespace name" \
	jq '.namespaces += [{"name": "..", "kind": "created"}]'
tamper "link name with a slash" "links[0].name: '../x' is not an interface name" \
	jq '.links = [{"ns": "host", "name": "../x"}]'
tamper "pid as a string" "namespaces[0].pid: must be an integer" \
	jq '.namespaces[0] |= (.kind = "pid" | .pid = "1")'
tamper "namespaces not a list" "\"namespaces\" must be a list" \
	jq '.namespaces = {"netns_A": "created"}'
tamper "original not a string" "sysctls[0].original: must be a string" \
	jq '.sysctls[0].original = 0'
tamper "unknown kind" "namespaces[0].kind: must be created, path, pid or docker" \
	jq '.namespaces[0].kind = "host"'
tamper "someone else's record" "it is the record of topology 'other', not of 'seed001'" \
	jq '.topology = "other"'
tamper "truncated" "line " head -c 40
tamper "not UTF-8" "unable to decode byte" sed 's/netns_A/netns_\xff/'

# An unreadable state file: the same, with the reason.
ok "apply" "$TOPO" apply "$F"
rm "$S"
mkdir "$S"
rc 1 "a directory: diff refuses" "$TOPO" diff "$F"
contains "names the file and the reason" "$WORK/out" "state file $S: not a regular file"
ok "destroy --name" "$TOPO" destroy --name seed001
contains "warns" "$WORK/out" "warning: state file $S: not a regular file"
rmdir "$S"
snapshot "$WORK/after"
same_snapshot "a directory: the kernel as before" "$WORK/before" "$WORK/after"

# The host registry is checked the same way.
ok "apply" "$TOPO" apply "$F"
R=/run/topo/host-sysctls.json
jq '.sysctls[0].key = "kernel.domainname"' "$R" >"$WORK/r.json" && cp "$WORK/r.json" "$R"
rc 1 "tampered registry: apply refuses" "$TOPO" apply "$F"
contains "names the registry" "$WORK/out" "$R: sysctls[0].key: 'kernel.domainname' is not a sysctl topo may touch"
ok "destroy still works" "$TOPO" destroy --name seed001
contains "with a warning" "$WORK/out" "warning: $R"
victim_intact "tampered registry"
rm -f "$R"

# Names that are not ASCII round-trip: recorded, read back, converged, destroyed.
cat >"$WORK/utf8.yaml" <<'EOF'
topology: utf8
namespaces:
  host:
    interfaces:
      "brü": {type: bridge, addresses: [10.77.0.1/24]}
      "vé·x": {master: "brü"}
    routes:
      - {to: 10.78.0.0/24, dev: "brü"}
  n:
    interfaces:
      eth0: {addresses: [10.77.0.2/24]}
links:
  - ["host:vé·x", "n:eth0"]
EOF
ok "utf8: apply" "$TOPO" apply "$WORK/utf8.yaml"
ok "utf8: the state file is JSON" jq -e . /run/topo/utf8.json
contains "utf8: the address id keeps the name" /run/topo/utf8.json 'host\ta\tbrü\t10.77.0.1/24'
rc 0 "utf8: converged (the file read back)" "$TOPO" diff "$WORK/utf8.yaml"
ok "utf8: kernel has the names" link_exists host "vé·x"
# Killed between creating the veth and marking it: the pending name is in
# the state file, read back by the next run.
ok "utf8: destroy" "$TOPO" destroy "$WORK/utf8.yaml"
got=0
TOPO_KILL_AFTER_MSG=6 "$TOPO" apply "$WORK/utf8.yaml" >"$WORK/out" 2>&1 || got=$?
eq "utf8: killed" "$got" 137
eq "utf8: pending names recorded byte for byte" "$(jq -r '.links[].name' /run/topo/utf8.json | sort | tr '\n' ' ')" "brü vé·x "
rc 2 "utf8: the state file with pending names reads (changes pending)" "$TOPO" diff "$WORK/utf8.yaml"
ok "utf8: destroy after the crash" "$TOPO" destroy --name utf8
! link_exists host "vé·x" || fail "utf8: veth left behind"
! link_exists host "brü" || fail "utf8: bridge left behind"

# '%' the kernel reads as a pattern ("eth%d"): the loader says so first.
printf 'topology: pct\nnamespaces:\n  host:\n    interfaces:\n      "v%%d": {type: bridge}\n' >"$WORK/pct.yaml"
rc 1 "a '%' in a name" "$TOPO" apply "$WORK/pct.yaml"
contains "refused by the loader" "$WORK/out" "$WORK/pct.yaml:5:7: error: interface name 'v%d' is not a valid interface name"

snapshot "$WORK/after"
same_snapshot "the end: as at the start" "$WORK/before" "$WORK/after"
done_ok
