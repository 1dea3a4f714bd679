// SPDX-License-Identifier: MIT
#include "model/names.h"

#include <string.h>

#include "model/topology.h"

bool topo_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > TOPO_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '-')))
			return false;
	}
	return true;
}

bool topo_ns_name_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > TOPO_NS_NAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
			return false;
	}
	return true;
}

/* lib/ctype.c: _S is set for \t \n \v \f \r, space and 0xa0. */
static bool kernel_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

bool topo_ifname_kernel_valid(const char *s)
{
	size_t n = strlen(s);

	if (n < 1 || n > TOPO_IFNAME_MAX || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '/' || c == ':' || kernel_isspace(c))
			return false;
	}
	return true;
}

bool topo_ifname_valid(const char *s)
{
	if (!topo_ifname_kernel_valid(s))
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < ' ' || (unsigned char)*p == 0x7f || *p == '%')
			return false;
	return true;
}

bool topo_sysctl_key_valid(const char *k)
{
	size_t n = strlen(k);

	if (strncmp(k, "net.", 4) != 0 || n < 5 || n > 255 || strstr(k, "..") || strchr(k, '/') ||
	    k[n - 1] == '.')
		return false;
	for (const char *p = k; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c <= ' ' || c == 0x7f)
			return false;
	}
	return true;
}

bool topo_sysctl_key_iface(const char *key, char *ifname)
{
	static const char *const prefixes[] = {
		"net.ipv4.conf.", "net.ipv6.conf.", "net.ipv4.neigh.", "net.ipv6.neigh.",
	};

	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);
		const char *p = key + n, *end;

		if (strncmp(key, prefixes[i], n) != 0)
			continue;
		end = strchr(p, '.');
		if (!end || end == p || (size_t)(end - p) > TOPO_IFNAME_MAX)
			return false;
		if ((end - p == 3 && strncmp(p, "all", 3) == 0) || (end - p == 7 && strncmp(p, "default", 7) == 0))
			return false;
		memcpy(ifname, p, (size_t)(end - p));
		ifname[end - p] = '\0';
		/* sysctl(8)'s dotted form writes a dot in a name as a slash. */
		for (char *c = ifname; *c; c++)
			if (*c == '/')
				*c = '.';
		return true;
	}
	return false;
}
