#!/usr/bin/python3
# SPDX-License-Identifier: MIT
# The Ansible front end of topo: each host reconciles its node's slice of
# one topology file. Runs topo on the managed host; topo itself decides
# everything (plan, apply, rollback) and this module only reports it.

DOCUMENTATION = r'''
module: topo
short_description: Reconcile this host's slice of a topo topology file
description:
  - Runs C(topo apply --node NODE) (or C(topo destroy --node NODE)) on the managed host.
  - Check mode runs C(topo diff --json): nothing is applied, C(changed) is topo's exit status 2.
  - Diff mode returns the plan text as C(diff.prepared).
  - The action plugin of the same name reads C(src) on the controller and sends its text.
options:
  src: {description: A topology file on the controller (read by the action plugin)., type: path}
  content: {description: The topology file's text., type: str}
  node: {description: The node of the file this host is. Default inventory_hostname., type: str}
  state: {description: present applies; absent destroys., type: str, choices: [present, absent], default: present}
  binary: {description: Path to topo on the managed host., type: str, default: topo}
'''

RETURN = r'''
changed: {description: topo changed (or, in check mode, would change) something., type: bool}
plan: {description: The steps, as topo's plan text, one per line., type: list}
rc: {description: topo's exit status., type: int}
'''

import json
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule


def run(module, args):
    rc, out, err = module.run_command(args)
    return rc, out, err


def fail(module, what, rc, out, err, path, shown):
    msg = (err or out or '').strip().replace(path, shown)
    module.fail_json(msg=msg or '%s failed (exit %d)' % (what, rc), rc=rc, stdout=out, stderr=err)


def steps_of(doc):
    plan = doc.get('plan', doc)
    return [s.get('text', '') for s in plan.get('steps', [])]


def live_objects(doc):
    """What `topo show --json` lists as this topology's, namespaces it created included."""
    found = []
    for ns in doc.get('namespaces', []):
        if ns.get('kind') == 'created' and ns.get('exists'):
            found.append('- netns del %s' % ns['name'])
        for ifc in ns.get('interfaces', []):
            found.append('- link del %s (%s)' % (ifc.get('name'), ns['name']))
        for rt in ns.get('routes', []):
            found.append('- route %s (%s)' % (json.dumps(rt, sort_keys=True), ns['name']))
        if ns.get('nft'):
            found.append('- nft table (%s)' % ns['name'])
    return found


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type='path'),
            content=dict(type='str'),
            node=dict(type='str'),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            binary=dict(type='str', default='topo'),
        ),
        required_one_of=[['src', 'content']],
        supports_check_mode=True,
    )
    p = module.params
    shown = p['src'] or 'content'
    if p['content'] is None:
        # Without the action plugin, src is a path on the managed host.
        with open(p['src']) as f:
            p['content'] = f.read()
    fd, path = tempfile.mkstemp(prefix='topo-', suffix='.yaml')
    try:
        with os.fdopen(fd, 'w') as f:
            f.write(p['content'])
        node = ['--node', p['node']] if p['node'] else []
        topo = p['binary']
        result = dict(changed=False, plan=[])

        if p['state'] == 'present':
            if module.check_mode:
                rc, out, err = run(module, [topo, 'diff', '--json'] + node + [path])
                if rc not in (0, 2):
                    fail(module, 'topo diff', rc, out, err, path, shown)
                result['changed'] = rc == 2
            else:
                rc, out, err = run(module, [topo, 'apply', '--json'] + node + [path])
                if rc != 0:
                    fail(module, 'topo apply', rc, out, err, path, shown)
            doc = json.loads(out) if out.strip() else {}
            plan = doc.get('plan', doc)
            result['plan'] = steps_of(doc)
            if not module.check_mode:
                result['changed'] = (plan.get('add', 0) + plan.get('change', 0) + plan.get('remove', 0)) > 0
        else:
            rc, out, err = run(module, [topo, 'show', '--json'] + node + [path])
            if rc != 0:
                fail(module, 'topo show', rc, out, err, path, shown)
            found = live_objects(json.loads(out))
            result['changed'] = bool(found)
            result['plan'] = found
            if found and not module.check_mode:
                rc, out, err = run(module, [topo, 'destroy', '-q'] + node + [path])
                if rc != 0:
                    fail(module, 'topo destroy', rc, out, err, path, shown)
        result['rc'] = 0
        if module._diff:
            result['diff'] = dict(prepared='\n'.join(result['plan']) + ('\n' if result['plan'] else ''))
        module.exit_json(**result)
    finally:
        os.unlink(path)


if __name__ == '__main__':
    main()
