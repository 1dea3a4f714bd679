// SPDX-License-Identifier: MIT
/* nftables: filled in by the NAT issue. */
#include <errno.h>

#include "backends/internal.h"

int nft_observe(struct backend *b, struct bns *ns, struct topo_ns *out)
{
	(void)b, (void)ns;
	out->nft_table = false;
	return 0;
}

int nft_apply(struct backend *b, struct bns *ns, struct step *s)
{
	(void)ns, (void)s;
	return backend_fail(b, "nftables rules are not supported yet"), -EOPNOTSUPP;
}
