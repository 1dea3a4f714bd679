// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/backend.h"
#include "cmd/cmd.h"
#include "model/loader.h"

#include "version.h"

const char *topo_prog = "topo";

static const struct cmd commands[] = {
	{ "validate", cmd_validate, "FILE", "check a topology file; print FILE:LINE:COL for each error" },
	{ "diff", cmd_diff, "[--json] FILE", "show what apply would change (exit 0 converged, 2 pending)" },
	{ "apply", cmd_apply, "[--no-wait] FILE", "make the kernel match FILE; roll back on failure" },
	{ "show", cmd_show, "[--json] FILE|--name T", "the live state: interfaces, veth peers, routes, drift" },
	{ "graph", cmd_graph, "[--format svg] FILE", "the file as a graph: DOT, or SVG through graphviz" },
	{ "export", cmd_export, "FILE|--name T|--netns NS..", "write the live state as a topology file" },
	{ "exec", cmd_exec, "NS -- CMD [ARGS]", "run a command inside a namespace" },
	{ "check", cmd_check, "[--json] FILE", "run the file's checks: ping and tcp from inside namespaces" },
	{ "destroy", cmd_destroy, "FILE | --name T", "remove everything the topology created" },
};

void usage(FILE *out)
{
	fprintf(out, "usage: %s COMMAND [OPTIONS] [ARGS]\n\ncommands:\n", topo_prog);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %-18s %s\n", commands[i].name, commands[i].args, commands[i].help);
	fprintf(out, "  %-9s %-18s %s\n", "help", "", "this text");
	fprintf(out, "\noptions: -h, --help; --version\n");
}

int fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", topo_prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_ERROR;
}

int cmd_load(const char *file, struct topology *ret)
{
	struct topo_diags diags;
	int r = topo_load_file(file, ret, &diags);

	if (r == -EINVAL) {
		topo_diags_print(&diags, file, stderr);
		topo_diags_free(&diags);
		return EXIT_ERROR;
	}
	topo_diags_free(&diags);
	if (r < 0)
		return fail("%s: %s", file, strerror(-r));
	/* nft text is the kernel's language: libnftables parses it, here,
	 * before anything is read or changed. */
	if (backend_nft_text_check(ret, file, stderr) < 0) {
		topology_free(ret);
		return EXIT_ERROR;
	}
	return 0;
}

/*
 * Output that did not reach its reader is a failure, whatever the command
 * returned: `topo export > /dev/full` must not exit 0 with an empty file.
 * Checked once, here, for every command: an error stays in stdout's flag
 * (ferror) when a write failed mid-way, and fflush/fclose report the last.
 */
static int finish_stdout(int status)
{
	bool failed = ferror(stdout);
	int err = 0;

	if (fflush(stdout) != 0) {
		failed = true;
		err = errno;
	}
	if (fclose(stdout) != 0 && !failed) {
		failed = true;
		err = errno;
	}
	if (!failed)
		return status;
	if (err)
		fprintf(stderr, "%s: error writing to standard output: %s\n", topo_prog, strerror(err));
	else
		fprintf(stderr, "%s: error writing to standard output\n", topo_prog);
	return EXIT_ERROR;
}

static int run(int argc, char **argv)
{
	const char *name;

	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	name = argv[1];
	if (strcmp(name, "help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "--help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("topo %s\n", TOPO_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command '%s'\n", topo_prog, name);
	usage(stderr);
	return EXIT_ERROR;
}

int main(int argc, char **argv)
{
	return finish_stdout(run(argc, argv));
}
