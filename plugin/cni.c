/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cni.h"

const char *const cni_versions[] = {
	"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0", NULL
};

bool
cni_version_supported(const char *version)
{
	size_t i;

	for (i = 0; cni_versions[i] != NULL; i++)
		if (strcmp(version, cni_versions[i]) == 0)
			return true;
	return false;
}

int
cni_version_write(FILE *out)
{
	size_t i;

	fprintf(out, "{\"cniVersion\":\"%s\",\"supportedVersions\":[",
	    CNI_VERSION_LATEST);
	for (i = 0; cni_versions[i] != NULL; i++)
		fprintf(out, "%s\"%s\"", i > 0 ? "," : "", cni_versions[i]);
	fprintf(out, "]}\n");
	return fflush(out) == 0 ? 0 : -1;
}

int
cni_fail(struct cni_error *e, int code, const char *msg, const char *fmt, ...)
{
	va_list ap;

	if (e->code != 0)
		return -1;
	e->code = code;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	va_start(ap, fmt);
	vsnprintf(e->details, sizeof(e->details), fmt, ap);
	va_end(ap);
	return -1;
}

void
cni_error_write(FILE *out, const char *version, const struct cni_error *e)
{
	cJSON *o;
	char *text = NULL;

	/* Allocation failures fall back to hand-written JSON of the code, so
	 * the runtime always gets a decodable error. */
	if ((o = cJSON_CreateObject()) != NULL &&
	    cJSON_AddStringToObject(o, "cniVersion", version) != NULL &&
	    cJSON_AddNumberToObject(o, "code", e->code) != NULL &&
	    cJSON_AddStringToObject(o, "msg", e->msg) != NULL &&
	    cJSON_AddStringToObject(o, "details", e->details) != NULL)
		text = cJSON_PrintUnformatted(o);
	if (text != NULL)
		fprintf(out, "%s\n", text);
	else
		fprintf(out, "{\"cniVersion\":\"%s\",\"code\":%d,"
		    "\"msg\":\"out of memory\"}\n", CNI_VERSION_LATEST, e->code);
	fflush(out);
	free(text);
	cJSON_Delete(o);
}

int
cni_error_parse(const char *text, struct cni_error *e)
{
	cJSON *o = cJSON_ParseWithLength(text, strlen(text));
	const cJSON *code, *msg, *details;
	bool ok;

	code = cJSON_GetObjectItemCaseSensitive(o, "code");
	msg = cJSON_GetObjectItemCaseSensitive(o, "msg");
	details = cJSON_GetObjectItemCaseSensitive(o, "details");
	ok = cJSON_IsNumber(code) && code->valuedouble >= 1 &&
	    code->valuedouble <= 999 && cJSON_IsString(msg);
	if (ok)
		cni_fail(e, code->valueint, msg->valuestring, "%s",
		    cJSON_IsString(details) ? details->valuestring : "");
	cJSON_Delete(o);
	return ok ? 0 : -1;
}
