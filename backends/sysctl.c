// SPDX-License-Identifier: MIT
/*
 * net.* sysctls through /proc/sys, which shows the values of the namespace
 * the reading thread is in: callers enter the namespace first. Keys are in
 * sysctl(8)'s dotted form; a '/' in it stands for a '.' in the path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/internal.h"
#include "model/linktype.h"
#include "model/loader.h"
#include "model/names.h"

static void sysctl_path(const char *key, char *buf, size_t len)
{
	size_t n = (size_t)snprintf(buf, len, "/proc/sys/");

	for (const char *k = key; *k && n + 1 < len; k++)
		buf[n++] = *k == '.' ? '/' : *k == '/' ? '.' : *k;
	buf[n] = '\0';
}

int sysctl_read(const char *key, char **ret)
{
	char path[512], buf[4096];
	ssize_t n;
	int fd;

	*ret = NULL;
	/* The one door to /proc/sys: only net.* keys pass, whoever asks. */
	if (!topo_sysctl_key_valid(key))
		return -EINVAL;
	sysctl_path(key, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	/* "32768\t60999\n" reads back as "32768 60999". */
	*ret = topo_sysctl_value_canon(buf);
	return *ret ? 0 : -ENOMEM;
}

int sysctl_write(const char *key, const char *value)
{
	char path[512];
	ssize_t n;
	int fd;

	if (!topo_sysctl_key_valid(key))
		return -EINVAL;
	sysctl_path(key, path, sizeof(path));
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = write(fd, value, strlen(value));
	if (n < 0) {
		int r = -errno;

		close(fd);
		return r;
	}
	if (close(fd) < 0)
		return -errno;
	return 0;
}

static bool ns_has_bridge(const struct topo_ns *d)
{
	for (size_t i = 0; i < d->n_ifaces; i++)
		if (topo_lt_is(d->ifaces[i].type, TOPO_LT_MASTER))
			return true;
	return false;
}

struct sysctl_obs {
	const struct topo_ns *desired;
	const struct topo_state *state;
	struct topo_ns *out;
};

static int sysctl_observe_one(struct topo_ns *out, const char *key)
{
	struct topo_sysctl *s;
	char *value = NULL;
	int r;

	for (size_t i = 0; i < out->n_sysctls; i++)
		if (strcmp(out->sysctls[i].key, key) == 0)
			return 0;
	r = sysctl_read(key, &value);
	if (r < 0 && r != -ENOENT)
		return r;
	s = topo_ns_sysctl_add(out);
	if (!s) {
		free(value);
		return -ENOMEM;
	}
	s->key = strdup(key);
	s->value = value;   /* NULL: the key does not exist here */
	return s->key ? 0 : -ENOMEM;
}

static int sysctl_observe_here(void *arg)
{
	struct sysctl_obs *o = arg;
	int r = 0;

	for (size_t i = 0; o->desired && i < o->desired->n_sysctls && r == 0; i++)
		r = sysctl_observe_one(o->out, o->desired->sysctls[i].key);
	/* For the diff's warnings: NAT and forwarding need ip_forward; bridged
	 * traffic meets iptables hooks when br_netfilter calls them. */
	if (o->desired && (o->desired->n_nat || o->desired->n_forward) && r == 0)
		r = sysctl_observe_one(o->out, "net.ipv4.ip_forward");
	if (o->desired && ns_has_bridge(o->desired) && r == 0)
		r = sysctl_observe_one(o->out, "net.bridge.bridge-nf-call-iptables");
	for (size_t i = 0; o->state && i < o->state->n_sysctls && r == 0; i++)
		if (strcmp(o->state->sysctls[i].ns, o->out->name) == 0)
			r = sysctl_observe_one(o->out, o->state->sysctls[i].key);
	return r;
}

int sysctl_observe(struct backend *b, struct bns *ns, const struct topo_ns *desired,
		   const struct topo_state *state, struct topo_ns *out)
{
	struct sysctl_obs o = { desired, state, out };
	bool any = desired && (desired->n_sysctls || desired->n_nat || desired->n_forward || ns_has_bridge(desired));

	for (size_t i = 0; !any && state && i < state->n_sysctls; i++)
		any = strcmp(state->sysctls[i].ns, out->name) == 0;
	if (!any)
		return 0;   /* no setns() for namespaces without sysctls */
	return netns_run(b, ns, sysctl_observe_here, &o);
}
