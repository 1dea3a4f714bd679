// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

int cmd_validate(int argc, char **argv)
{
	struct topology t;
	const char *file = NULL;
	bool quiet = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-q") == 0 || strcmp(argv[i], "--quiet") == 0) {
			quiet = true;
		} else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			printf("usage: %s validate [-q] FILE\n", topo_prog);
			return EXIT_OK;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "%s: validate: unknown option '%s'\n", topo_prog, argv[i]);
			usage(stderr);
			return EXIT_ERROR;
		} else if (!file) {
			file = argv[i];
		} else {
			fprintf(stderr, "%s: validate takes one FILE\n", topo_prog);
			return EXIT_ERROR;
		}
	}
	if (!file) {
		fprintf(stderr, "usage: %s validate FILE\n", topo_prog);
		return EXIT_ERROR;
	}
	if (cmd_load(file, &t))
		return EXIT_ERROR;
	if (!quiet && t.n_nodes)
		printf("%s: topology %s is valid (%zu node%s, %zu namespaces, %zu link%s)\n", file, t.name, t.n_nodes,
		       t.n_nodes == 1 ? "" : "s", t.n_ns, t.n_links, t.n_links == 1 ? "" : "s");
	else if (!quiet)
		printf("%s: topology %s is valid (%zu namespace%s, %zu link%s)\n", file, t.name, t.n_ns,
		       t.n_ns == 1 ? "" : "s", t.n_links, t.n_links == 1 ? "" : "s");
	topology_free(&t);
	return EXIT_OK;
}
