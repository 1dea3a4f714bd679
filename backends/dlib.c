// SPDX-License-Identifier: MIT
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "backends/dlib.h"

struct sym {
	const char *name;
	void **slot;
};

/*
 * dlopen(soname) and resolve every symbol into its slot: 0, or -1 with err
 * set. RTLD_NOW: a library missing a symbol fails here, not mid-apply.
 */
static int load(const char *lib, const char *soname, const char *need, const char *pkg, const struct sym *syms,
		size_t n, char *err, size_t len)
{
	void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		const char *e = dlerror();

		snprintf(err, len, "%s (%s) is not installed: %s (apt install %s): %s", lib, soname, need, pkg,
			 e ? e : "dlopen failed");
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		*syms[i].slot = dlsym(h, syms[i].name);
		if (!*syms[i].slot) {
			snprintf(err, len, "%s (%s) has no %s: %s (apt install %s, a newer one)", lib, soname,
				 syms[i].name, need, pkg);
			dlclose(h);
			return -1;
		}
	}
	return 0;
}

/*
 * The one exception to "no global mutable state", as in systemd's
 * dlopen_many_sym_or_warn(): a function-local table filled once. topo is
 * single-threaded, so no pthread_once. A failed load is retried on the next
 * call (it only happens on the way to an error exit), and its message is
 * written again each time.
 */
const struct curl_fns *dlib_curl(char *err, size_t len)
{
	static struct curl_fns f;
	static bool loaded;
#define S(n) { "curl_" #n, (void **)&f.n }
	const struct sym syms[] = {
		S(easy_init), S(easy_setopt), S(easy_perform), S(easy_getinfo), S(easy_cleanup), S(easy_strerror),
	};
#undef S

	if (loaded)
		return &f;
	if (load("libcurl", "libcurl.so.4", "docker: attachments need it", "libcurl4", syms,
		 sizeof(syms) / sizeof(syms[0]), err, len) < 0)
		return NULL;
	loaded = true;
	return &f;
}

const struct nft_fns *dlib_nftables(char *err, size_t len)
{
	static struct nft_fns f;
	static bool loaded;
#define S(n) { "nft_" #n, (void **)&f.n }
	const struct sym syms[] = {
		S(ctx_new), S(ctx_free), S(ctx_buffer_output), S(ctx_buffer_error), S(ctx_get_output_buffer),
		S(ctx_get_error_buffer), S(ctx_output_set_flags), S(ctx_set_dry_run), S(run_cmd_from_buffer),
		S(run_cmd_from_filename),
	};
#undef S

	if (loaded)
		return &f;
	if (load("libnftables", "libnftables.so.1", "nft text (nft:, filter:, nat: rules) needs it", "libnftables1",
		 syms, sizeof(syms) / sizeof(syms[0]), err, len) < 0)
		return NULL;
	loaded = true;
	return &f;
}

const struct gv_fns *dlib_graphviz(char *err, size_t len)
{
	static struct gv_fns f;
	static bool loaded;
	/* dlsym on libgvc's handle finds libcgraph's too (a dependency it loaded). */
	const struct sym syms[] = {
		{ "gvContext", (void **)&f.context }, { "gvFreeContext", (void **)&f.free_context },
		{ "agmemread", (void **)&f.memread }, { "agclose", (void **)&f.close },
		{ "gvLayout", (void **)&f.layout }, { "gvFreeLayout", (void **)&f.free_layout },
		{ "gvRenderData", (void **)&f.render_data }, { "gvFreeRenderData", (void **)&f.free_render_data },
	};

	if (loaded)
		return &f;
	if (load("graphviz", "libgvc.so.6", "topo graph --format svg needs it", "libgvc6", syms,
		 sizeof(syms) / sizeof(syms[0]), err, len) < 0)
		return NULL;
	loaded = true;
	return &f;
}
