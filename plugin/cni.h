/* SPDX-License-Identifier: Apache-2.0 */
/* CNI protocol pieces kube-node needs: versions and the error result. */
#ifndef XCNI_CNI_H
#define XCNI_CNI_H

#include <stdbool.h>
#include <stdio.h>

/* Well-known error codes of the CNI specification. */
enum cni_code {
	CNI_ERR_INCOMPATIBLE_VERSION = 1,
	CNI_ERR_UNSUPPORTED_FIELD = 2,
	CNI_ERR_INVALID_ENV = 4,
	CNI_ERR_IO = 5,
	CNI_ERR_DECODE = 6,
	CNI_ERR_INVALID_CONFIG = 7,
	CNI_ERR_TRY_AGAIN = 11,
	CNI_ERR_NOT_AVAILABLE = 50,
};

#define CNI_VERSION_LATEST "1.1.0"

/* The versions accepted, oldest first, NULL-terminated. */
extern const char *const cni_versions[];

bool cni_version_supported(const char *version);

/* The VERSION reply. Returns 0, or -1 when it could not be written. */
int cni_version_write(FILE *out);

struct cni_error {
	int code;		/* 0: no error */
	char msg[128];		/* short, fixed per failure class */
	char details[1024];	/* what, where and why */
};

/* Records the first error only (later ones are consequences); the caller
 * decides whether it is logged or reported. Returns -1 so callers can
 * write "return cni_fail(...)". */
int cni_fail(struct cni_error *e, int code, const char *msg,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Writes {"cniVersion","code","msg","details"} and a newline. */
void cni_error_write(FILE *out, const char *version,
    const struct cni_error *e);

/* Reads an error object another plugin wrote into e. Returns 0, or -1
 * (e untouched) when text is not one. */
int cni_error_parse(const char *text, struct cni_error *e);

#endif
