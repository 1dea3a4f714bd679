/* SPDX-License-Identifier: MIT */
/*
 * What a name or a key may be, in one place: the loader checks the topology
 * file with these, the state file reader checks the state file with the same
 * ones (a state file is input too), and --name goes through them.
 */
#ifndef TOPO_MODEL_NAMES_H
#define TOPO_MODEL_NAMES_H

#include <stdbool.h>

/* [a-z0-9][a-z0-9_-]{0,31}: it names files under /run/topo and link aliases. */
bool topo_name_valid(const char *s);
#define TOPO_NAME_RULE "[a-z0-9][a-z0-9_-]{0,31}"

/* [A-Za-z0-9][A-Za-z0-9_.-]{0,63}: it becomes a file under /run/netns, so
 * never '/', never "." or ".." (the first character rules both out). */
bool topo_ns_name_valid(const char *s);
#define TOPO_NS_NAME_RULE "[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"

/* The kernel's dev_valid_name(): 1-15 bytes, not "." or "..", no '/', ':'
 * or white space as the kernel's isspace() sees it (which includes 0xa0).
 * Any other byte, control characters and bytes that are not UTF-8 among
 * them, is a name the kernel accepts. */
bool topo_ifname_kernel_valid(const char *s);
/* What a topology file may declare: the kernel's rule, no control
 * characters (they cannot be typed or shown), and no '%' (the kernel takes
 * a name with one as a pattern like "eth%d" and refuses any other). */
bool topo_ifname_valid(const char *s);
#define TOPO_IFNAME_RULE "1-15 bytes, no '/', ':', '%' or whitespace, not '.' or '..'"

/* net.*, at most 255 bytes, no '/', "..", blanks or control characters,
 * not ending in '.': it becomes a path under /proc/sys/net. */
bool topo_sysctl_key_valid(const char *k);
#define TOPO_SYSCTL_KEY_RULE "must start with 'net.' and contain no '/', '..' or blanks"

/* net.ipv{4,6}.conf.IF.*, net.ipv{4,6}.neigh.IF.* (not all/default): true
 * and IF in ifname (TOPO_IFNAME_MAX + 1 bytes), a '/' of sysctl(8)'s dotted
 * form given back as the '.' it stands for. */
bool topo_sysctl_key_iface(const char *key, char *ifname);

#endif
