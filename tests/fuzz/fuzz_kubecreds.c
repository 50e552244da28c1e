/* libFuzzer target: the fd-3 credentials format. Whatever parses must
 * serialize and parse back to the same credentials. */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "kubecreds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kube_creds *c, *c2;
	char err[256], *s;
	size_t len;

	if ((c = kube_creds_parse((const char *)data, size, err, sizeof(err))) == NULL)
		return 0;
	if ((s = kube_creds_serialize(c, &len)) == NULL)
		__builtin_trap();
	if ((c2 = kube_creds_parse(s, len, err, sizeof(err))) == NULL ||
	    !kube_creds_equal(c, c2))
		__builtin_trap();
	free(s);
	kube_creds_free(c);
	kube_creds_free(c2);
	return 0;
}
