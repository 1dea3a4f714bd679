# SPDX-License-Identifier: MIT
# The controller half of the topo module: src is read here, on the
# controller, and sent as content; node defaults to inventory_hostname.
from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args.copy()
        if args.get('src') and args.get('content') is not None:
            raise AnsibleError('topo: src and content are exclusive')
        if args.get('src'):
            path = self._find_needle('files', args['src'])
            with open(path) as f:
                args['content'] = f.read()
        if not args.get('node'):
            args['node'] = task_vars.get('inventory_hostname')
        result.update(self._execute_module(module_name='topo', module_args=args, task_vars=task_vars))
        return result
