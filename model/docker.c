// SPDX-License-Identifier: MIT
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/docker.h"

static bool name_char(char c, bool first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return !first && (c == '_' || c == '.' || c == '-');
}

bool topo_docker_name_valid(const char *s)
{
	size_t n = 0;

	if (!s || !name_char(s[0], true))
		return false;
	for (; s[n]; n++)
		if (n >= TOPO_DOCKER_NAME_MAX || !name_char(s[n], n == 0))
			return false;
	return true;
}

static int bad(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int parse_root(const char *buf, size_t len, json_t **ret, char *err, size_t errlen)
{
	json_error_t je;

	if (len > TOPO_DOCKER_ANSWER_MAX) {
		snprintf(err, errlen, "answer of %zu bytes, more than the %u topo reads", len, TOPO_DOCKER_ANSWER_MAX);
		return -EFBIG;
	}
	/* A NUL inside a string would cut it short unseen: refused. */
	*ret = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (!*ret)
		return bad(err, errlen, "not JSON: %s (line %d, column %d)", je.text, je.line, je.column);
	return 0;
}

/* A string without NUL bytes, shorter than max: its text, else NULL and err set. */
static const char *get_string(const json_t *o, const char *key, const char *where, size_t max, bool need,
			      char *err, size_t errlen)
{
	const json_t *v = json_object_get(o, key);

	if (!v) {
		if (need)
			bad(err, errlen, "%s%s: missing", where, key);
		return NULL;
	}
	if (!json_is_string(v)) {
		bad(err, errlen, "%s%s: must be a string", where, key);
		return NULL;
	}
	if (json_string_length(v) >= max || strlen(json_string_value(v)) != json_string_length(v)) {
		bad(err, errlen, "%s%s: longer than %zu bytes or holds a NUL byte", where, key, max - 1);
		return NULL;
	}
	return json_string_value(v);
}

static bool hex_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return false;
	return n == 64;
}

/* Absolute, no "." or ".." component: it is opened as the namespace. */
static bool clean_abs_path(const char *p)
{
	if (p[0] != '/')
		return false;
	for (const char *c = p; *c; c++)
		if (c[0] == '/' && c[1] == '.' && (c[2] == '/' || c[2] == '\0' || (c[2] == '.' && (c[3] == '/' || c[3] == '\0'))))
			return false;
	return true;
}

static int inspect_fields(const json_t *root, struct topo_docker_info *ret, char *err, size_t errlen)
{
	const json_t *state, *net, *running, *pid;
	const char *s;

	if (!json_is_object(root))
		return bad(err, errlen, "the answer must be a JSON object");
	s = get_string(root, "Id", "", sizeof(ret->id), true, err, errlen);
	if (!s)
		return -EINVAL;
	if (!hex_id(s))
		return bad(err, errlen, "Id: not 64 hex digits");
	snprintf(ret->id, sizeof(ret->id), "%s", s);
	/* Docker writes the name with a leading '/'. */
	s = get_string(root, "Name", "", sizeof(ret->name) + 1, true, err, errlen);
	if (!s)
		return -EINVAL;
	if (s[0] == '/')
		s++;
	if (!topo_docker_name_valid(s))
		return bad(err, errlen, "Name: '%.64s' is not a container name", s);
	snprintf(ret->name, sizeof(ret->name), "%s", s);

	state = json_object_get(root, "State");
	if (!json_is_object(state))
		return bad(err, errlen, "State: %s", state ? "must be an object" : "missing");
	running = json_object_get(state, "Running");
	if (!json_is_boolean(running))
		return bad(err, errlen, "State.Running: %s", running ? "must be true or false" : "missing");
	ret->running = json_is_true(running);
	s = get_string(state, "Status", "State.", sizeof(ret->status), false, err, errlen);
	if (!s && json_object_get(state, "Status"))
		return -EINVAL;
	snprintf(ret->status, sizeof(ret->status), "%s", s ? s : ret->running ? "running" : "not running");
	for (char *c = ret->status; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	pid = json_object_get(state, "Pid");
	if (!json_is_integer(pid))
		return bad(err, errlen, "State.Pid: %s", pid ? "must be an integer" : "missing");
	if (json_integer_value(pid) < 0 || json_integer_value(pid) > 4194304)
		return bad(err, errlen, "State.Pid: %lld is not a pid", (long long)json_integer_value(pid));
	ret->pid = (int)json_integer_value(pid);
	if (ret->running && ret->pid == 0)
		return bad(err, errlen, "State.Pid: 0 for a running container");

	net = json_object_get(root, "NetworkSettings");
	if (!net || json_is_null(net)) {
		ret->sandbox_key[0] = '\0';
		return 0;
	}
	if (!json_is_object(net))
		return bad(err, errlen, "NetworkSettings: must be an object");
	s = get_string(net, "SandboxKey", "NetworkSettings.", sizeof(ret->sandbox_key), false, err, errlen);
	if (!s && json_object_get(net, "SandboxKey"))
		return -EINVAL;
	if (s && s[0] && !clean_abs_path(s))
		return bad(err, errlen, "NetworkSettings.SandboxKey: '%.64s' is not an absolute path", s);
	snprintf(ret->sandbox_key, sizeof(ret->sandbox_key), "%s", s ? s : "");
	return 0;
}

int topo_docker_parse_inspect(const char *buf, size_t len, struct topo_docker_info *ret, char *err,
			      size_t errlen)
{
	json_t *root;
	int r;

	memset(ret, 0, sizeof(*ret));
	r = parse_root(buf, len, &root, err, errlen);
	if (r < 0)
		return r;
	r = inspect_fields(root, ret, err, errlen);
	json_decref(root);
	if (r < 0)
		memset(ret, 0, sizeof(*ret));
	return r;
}

int topo_docker_parse_list(const char *buf, size_t len, char ***ret_ids, size_t *ret_n, char *err,
			   size_t errlen)
{
	json_t *root, *v;
	char **ids = NULL;
	size_t i, n = 0;
	int r;

	*ret_ids = NULL;
	*ret_n = 0;
	r = parse_root(buf, len, &root, err, errlen);
	if (r < 0)
		return r;
	if (!json_is_array(root)) {
		json_decref(root);
		return bad(err, errlen, "the answer must be a JSON array");
	}
	ids = calloc(json_array_size(root) + 1, sizeof(*ids));
	r = ids ? 0 : -ENOMEM;
	json_array_foreach(root, i, v) {
		char where[32];
		const char *s;

		if (r < 0)
			break;
		snprintf(where, sizeof(where), "[%zu].", i);
		if (!json_is_object(v)) {
			r = bad(err, errlen, "[%zu]: must be an object", i);
			break;
		}
		s = get_string(v, "Id", where, 65, true, err, errlen);
		if (!s || !hex_id(s)) {
			r = s ? bad(err, errlen, "[%zu].Id: not 64 hex digits", i) : -EINVAL;
			break;
		}
		if (!(ids[n] = strdup(s)))
			r = -ENOMEM;
		else
			n++;
	}
	json_decref(root);
	if (r < 0) {
		for (i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
		return r;
	}
	*ret_ids = ids;
	*ret_n = n;
	return 0;
}

bool topo_docker_parse_message(const char *buf, size_t len, char *out, size_t outlen)
{
	char err[8];
	json_t *root;
	const char *s;
	bool ok = false;

	if (!outlen || parse_root(buf, len, &root, err, sizeof(err)) < 0)
		return false;
	s = json_is_object(root) ? get_string(root, "message", "", 4096, true, err, sizeof(err)) : NULL;
	if (s && s[0]) {
		snprintf(out, outlen, "%s", s);
		for (char *c = out; *c; c++)
			if ((unsigned char)*c < 0x20 || *c == 0x7f)
				*c = '?';
		ok = true;
	}
	json_decref(root);
	return ok;
}
