/* SPDX-License-Identifier: MIT */
#ifndef TOPO_BACKENDS_DLIB_H
#define TOPO_BACKENDS_DLIB_H
/*
 * libcurl, libnftables and graphviz's libgvc, loaded with dlopen() on first
 * use: only docker: attachments need the first, only nft text (nft:,
 * filter:, nat forms rendered as text) the second, only `topo graph
 * --format svg` the third, and linking them pulled ~40 shared libraries
 * into every run (graphviz's alone were 0.9 MB of every run's memory).
 * The tables are typed from the libraries' own headers.
 */
#include <stddef.h>

#include <curl/curl.h>
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#include <nftables/libnftables.h>

struct curl_fns {
	CURL *(*easy_init)(void);
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_perform)(CURL *);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	void (*easy_cleanup)(CURL *);
	const char *(*easy_strerror)(CURLcode);
};

struct nft_fns {
	struct nft_ctx *(*ctx_new)(uint32_t);
	void (*ctx_free)(struct nft_ctx *);
	int (*ctx_buffer_output)(struct nft_ctx *);
	int (*ctx_buffer_error)(struct nft_ctx *);
	const char *(*ctx_get_output_buffer)(struct nft_ctx *);
	const char *(*ctx_get_error_buffer)(struct nft_ctx *);
	void (*ctx_output_set_flags)(struct nft_ctx *, unsigned int);
	void (*ctx_set_dry_run)(struct nft_ctx *, bool);
	int (*run_cmd_from_buffer)(struct nft_ctx *, const char *);
	int (*run_cmd_from_filename)(struct nft_ctx *, const char *);
};

struct gv_fns {              /* libgvc's, and libcgraph's through it */
	GVC_t *(*context)(void);
	int (*free_context)(GVC_t *);
	Agraph_t *(*memread)(const char *);
	int (*close)(Agraph_t *);
	int (*layout)(GVC_t *, graph_t *, const char *);
	int (*free_layout)(GVC_t *, graph_t *);
	int (*render_data)(GVC_t *, graph_t *, const char *, char **, unsigned int *);
	void (*free_render_data)(char *);
};

/*
 * The loaded table, or NULL with err set (err may be NULL once a previous
 * call succeeded: then the cached table is returned). The library stays
 * loaded until exit.
 */
const struct curl_fns *dlib_curl(char *err, size_t len);
const struct nft_fns *dlib_nftables(char *err, size_t len);
const struct gv_fns *dlib_graphviz(char *err, size_t len);

#endif
