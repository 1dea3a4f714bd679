# The Ansible module (cmd/ansible) drives one file across three simulated
# hosts, each running its own sshd (Debian's openssh-server) bound to its
# underlay address: check mode reports changed and applies nothing, the
# real run converges all three, a second run reports changed=0, a bad file
# fails with topo's FILE:LINE:COL message, state=absent removes everything.
. "$(dirname "$0")/lib.sh"
if ! command -v ansible-playbook >/dev/null || [ ! -x /usr/sbin/sshd ]; then
	echo "SKIP: needs ansible-core and openssh-server (apt-get install ansible-core openssh-server)"
	exit 77
fi
F=$TOPOLOGIES/seed001-overlay.yaml
. "$(dirname "$0")/nodes-lib.sh"

# The controller (this sandbox) on the underlay too.
ip addr add 10.10.0.254/24 dev ul
ssh-keygen -q -t ed25519 -N '' -f "$WORK/id" 
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey"
cp "$WORK/id.pub" "$WORK/authorized_keys"
chmod 600 "$WORK/authorized_keys"
EXTRA_PIDS=
i=0
for h in $HOSTS; do
	i=$((i + 1))
	hx "$h" mkdir -p /run/sshd
	hx "$h" /usr/sbin/sshd -D -e -f /dev/null -h "$WORK/hostkey" \
		-o ListenAddress="10.10.0.$i" -o Port=22 -o PermitRootLogin=prohibit-password \
		-o AuthorizedKeysFile="$WORK/authorized_keys" -o StrictModes=no -o UsePAM=no \
		-o PidFile="$WORK/sshd-$h.pid" -o Subsystem="sftp /usr/lib/openssh/sftp-server" \
		>"$WORK/sshd-$h.log" 2>&1 &
	EXTRA_PIDS="$EXTRA_PIDS $!"
done
for h in $HOSTS; do
	for _ in $(seq 50); do hx "$h" ss -Hltn "sport = :22" | grep -q . && break; sleep 0.1; done
done

cat >"$WORK/inventory.ini" <<EOF
[lab]
a ansible_host=10.10.0.1
b ansible_host=10.10.0.2
c ansible_host=10.10.0.3
[lab:vars]
ansible_user=root
ansible_python_interpreter=/usr/bin/python3
ansible_ssh_private_key_file=$WORK/id
ansible_ssh_common_args=-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ControlMaster=no
EOF
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_LOCAL_TEMP=$WORK/ansible-local ANSIBLE_REMOTE_TMP=/tmp/.ansible-topo-test
export ANSIBLE_NOCOLOR=1 ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_FORCE_COLOR=0 HOME=$WORK
play() { ansible-playbook -i "$WORK/inventory.ini" "$ROOT/cmd/ansible/site.yml" -e "topo_binary=$TOPO" -e "lab_file=$F" "$@"; }
recap() { grep -E "^$1 +:" "$WORK/out"; }

ok "check mode" play --check --diff
for h in $HOSTS; do
	contains "check mode: $h changed" <(recap "$h") "changed=1"
	eq "check mode applied nothing on $h" "$(hx "$h" ip netns list | wc -l)" 0
done
contains "diff mode shows the plan" "$WORK/out" "+ link add mybr0 type bridge mtu 1450"
# b's plan (its task result's lab.plan): an all-zeros fdb entry to each other host.
bplan() { awk '/ok: \[b\] =>/ {p = 1; next} /ok: \[/ {p = 0} p' "$WORK/out"; }
contains "b's plan appends flood entries" <(bplan) "fdb append 00:00:00:00:00:00 dev vxlan"
contains "b's flood entry to a" <(bplan) " dst 10.10.0.1\""
contains "b's flood entry to c" <(bplan) " dst 10.10.0.3\""
lacks "b floods not to itself" <(bplan) " dst 10.10.0.2\""

ok "apply" play --diff
for h in $HOSTS; do contains "apply: $h changed" <(recap "$h") "changed=1"; done
hping() { n_checks=$((n_checks + 1)); hx "$1" ip netns exec "$2" ping -c 1 -i 0.5 -w 3 "$3" >/dev/null 2>&1 || fail "ping from $1/$2 to $3 failed"; }
hping a netns_A 172.18.0.3
hping b netns_B 172.18.0.4
hping c netns_C 10.99.0.1

ok "second run" play
for h in $HOSTS; do contains "second run: $h unchanged" <(recap "$h") "changed=0"; done

# topo's own message when the file is bad: FILE:LINE:COL, the host fails.
sed 's/^  netns_B:$/  netns_B:\n    nodee: b/' "$F" >"$WORK/bad.yaml"
rc 2 "a bad file fails" ansible-playbook -i "$WORK/inventory.ini" "$ROOT/cmd/ansible/site.yml" \
	-e "topo_binary=$TOPO" -e "lab_file=$WORK/bad.yaml"
contains "topo's message" "$WORK/out" "bad.yaml:39:5: error: unknown key 'nodee' in a namespace"
contains "the host failed" <(recap a) "failed=1"

ok "state=absent, check mode" play --check -e state=absent
for h in $HOSTS; do contains "absent check: $h would change" <(recap "$h") "changed=1"; done
hping a netns_A 172.18.0.3
ok "state=absent" play -e state=absent
for h in $HOSTS; do
	contains "absent: $h changed" <(recap "$h") "changed=1"
	eq "no vxlan left on $h" "$(hx "$h" ip -j link show type vxlan | jq length)" 0
	snap_like "$h" "$WORK/before-$h" "$WORK/after-$h"
	same_snapshot "absent leaves host $h as it was" "$WORK/before-$h" "$WORK/after-$h"
done
ok "state=absent again" play -e state=absent
for h in $HOSTS; do contains "absent again: $h unchanged" <(recap "$h") "changed=0"; done
done_ok
