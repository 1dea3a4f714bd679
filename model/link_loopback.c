// SPDX-License-Identifier: MIT
/* type: loopback, the kernel's own `lo`: topo only adds addresses (and keeps
 * it up where it owns the namespace). Its mtu (65536) is the kernel's. */
#include "model/linktype.h"

const struct topo_linktype topo_lt_loopback = {
	.name = "loopback",
	.flags = TOPO_LT_DECLARE | TOPO_LT_KERNEL,
};
