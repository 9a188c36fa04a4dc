/*
 * json.h: a small streaming JSON writer into a strbuf (objects, arrays,
 * strings with full escaping, numbers, booleans, null) with indentation.
 * Keys and values are written in call order; the caller keeps it well formed.
 */
#ifndef VW_JSON_H
#define VW_JSON_H

#include "vfio-wizard/strbuf.h"

struct json {
	struct strbuf *out;
	int depth;
	bool need_comma;
	bool after_key;
};

void json_init(struct json *, struct strbuf *);
void json_object_begin(struct json *);
void json_object_end(struct json *);
void json_array_begin(struct json *);
void json_array_end(struct json *);
void json_key(struct json *, const char *);
void json_string(struct json *, const char *); /* NULL writes null */
void json_int(struct json *, long long);
void json_bool(struct json *, bool);
void json_null(struct json *);
/* key + value shorthands */
void json_kv_string(struct json *, const char *, const char *);
void json_kv_int(struct json *, const char *, long long);
void json_kv_bool(struct json *, const char *, bool);

#endif
