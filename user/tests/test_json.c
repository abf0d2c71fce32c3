// SPDX-License-Identifier: GPL-2.0
/*
 * The JSON writer: exact compact output, escaping, errors, and pretty
 * output that python's json module must load with the same values.
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "output.h"
#include "tap.h"

static char *doc(bool pretty, int *err)
{
	char *buf = NULL;
	size_t len;
	struct jw w;
	FILE *f = open_memstream(&buf, &len);

	jw_init(&w, f, pretty);
	jw_obj_open(&w, NULL);
	jw_str(&w, "s", "quote\" back\\ nl\n tab\t ctl\x01 del\x7f");
	jw_str(&w, "utf8", "caf\xc3\xa9 \xe2\x86\x92");
	jw_str(&w, "bad", "a\xff" "b\xc3(");
	jw_str(&w, "null", NULL);
	jw_u64(&w, "big", UINT64_MAX);
	jw_i64(&w, "neg", -42);
	jw_dbl(&w, "pi", 3.14159, 2);
	jw_dbl(&w, "nan", NAN, 2);
	jw_bool(&w, "t", true);
	jw_arr_open(&w, "list");
	jw_u64(&w, NULL, 1);
	jw_obj_open(&w, NULL);
	jw_obj_close(&w);
	jw_arr_open(&w, NULL);
	jw_arr_close(&w);
	jw_str(&w, NULL, "x");
	jw_arr_close(&w);
	jw_obj_close(&w);
	*err = jw_finish(&w);
	fclose(f);
	return buf;
}

static void test_compact(void)
{
	int err;
	char *s = doc(false, &err);

	is_int(err, 0, "compact document finishes");
	is_str(s, "{\"s\":\"quote\\\" back\\\\ nl\\n tab\\t ctl\\u0001 del\\u007f\","
		  "\"utf8\":\"caf\xc3\xa9 \xe2\x86\x92\","
		  "\"bad\":\"a\\ufffdb\\ufffd(\",\"null\":null,"
		  "\"big\":18446744073709551615,\"neg\":-42,\"pi\":3.14,"
		  "\"nan\":null,\"t\":true,\"list\":[1,{},[],\"x\"]}\n",
	       "compact output");
	free(s);
}

static int python_check(const char *path)
{
	static const char *const script =
		"import json,sys\n"
		"d=json.load(open(sys.argv[1]))\n"
		"assert d['s']=='quote\" back\\\\ nl\\n tab\\t ctl\\x01 del\\x7f', d['s']\n"
		"assert d['utf8']=='caf\\u00e9 \\u2192'\n"
		"assert d['bad']=='a\\ufffdb\\ufffd('\n"
		"assert d['null'] is None and d['nan'] is None\n"
		"assert d['big']==18446744073709551615 and d['neg']==-42\n"
		"assert d['pi']==3.14 and d['t'] is True\n"
		"assert d['list']==[1,{},[],'x']\n";

	return run_python(script, path);
}

static void test_pretty_python(void)
{
	char path[] = "/tmp/zcopy-json-XXXXXX";
	int err, fd = mkstemp(path), rc;
	char *s = doc(true, &err);

	is_int(err, 0, "pretty document finishes");
	has_str(s, "\n  \"list\": [\n    1,\n    {},\n    [],\n", "pretty indentation");
	if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s)) {
		ok(0, "temp file");
	} else {
		rc = python_check(path);
		if (rc == 127)
			skip("python3 not found");
		else
			is_int(rc, 0, "python json loads the document with its values");
	}
	if (fd >= 0)
		close(fd);
	unlink(path);
	free(s);
}

static void test_errors(void)
{
	char *buf = NULL;
	size_t len;
	struct jw w;
	FILE *f = open_memstream(&buf, &len);

	jw_init(&w, f, false);
	jw_obj_open(&w, NULL);
	jw_u64(&w, "a", 1);
	ok(jw_finish(&w) != 0, "unclosed object is an error");
	jw_init(&w, f, false);
	jw_obj_open(&w, NULL);
	jw_u64(&w, NULL, 1);
	jw_obj_close(&w);
	ok(jw_finish(&w) != 0, "member without a key is an error");
	jw_init(&w, f, false);
	jw_arr_open(&w, NULL);
	jw_obj_close(&w);
	ok(jw_finish(&w) != 0, "mismatched close is an error");
	fclose(f);
	free(buf);
}

int main(void)
{
	test_compact();
	test_pretty_python();
	test_errors();
	return done_testing();
}
