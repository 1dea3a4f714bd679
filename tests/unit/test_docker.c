// SPDX-License-Identifier: MIT
/*
 * The Docker Engine API answers as model/docker.c reads them: a real inspect
 * answer (dockerd 20.10, trimmed of fields topo does not read) gives the pid
 * and the sandbox key; hostile answers (fields missing, of the wrong type,
 * out of range, NUL bytes, relative or ".." paths, not JSON, past the size
 * limit) are refused saying which field; the container-name rule.
 */
#include "tests/unit/fixtures.h"
#include "model/docker.h"

static const char inspect_web[] =
	"{\"Id\":\"3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899\","
	"\"Created\":\"2026-12-02T05:00:00.123456789Z\",\"Path\":\"httpd\",\"Args\":[\"-f\",\"-p\",\"80\"],"
	"\"State\":{\"Status\":\"running\",\"Running\":true,\"Paused\":false,\"Restarting\":false,"
	"\"OOMKilled\":false,\"Dead\":false,\"Pid\":4242,\"ExitCode\":0,\"Error\":\"\","
	"\"StartedAt\":\"2026-12-02T05:00:00.5Z\",\"FinishedAt\":\"0001-01-01T00:00:00Z\"},"
	"\"Image\":\"sha256:0123\",\"Name\":\"/web\",\"RestartCount\":0,\"Driver\":\"vfs\","
	"\"HostConfig\":{\"NetworkMode\":\"default\",\"PortBindings\":{\"80/tcp\":[{\"HostIp\":\"\",\"HostPort\":\"8080\"}]}},"
	"\"NetworkSettings\":{\"Bridge\":\"\",\"SandboxID\":\"a1b2c3d4e5f6\",\"HairpinMode\":false,"
	"\"SandboxKey\":\"/var/run/docker/netns/a1b2c3d4e5f6\",\"Ports\":{\"80/tcp\":[{\"HostIp\":\"0.0.0.0\",\"HostPort\":\"8080\"}]},"
	"\"Gateway\":\"172.17.0.1\",\"IPAddress\":\"172.17.0.2\",\"IPPrefixLen\":16,\"MacAddress\":\"02:42:ac:11:00:02\","
	"\"Networks\":{\"bridge\":{\"IPAddress\":\"172.17.0.2\"}}}}";

#define ID "\"Id\":\"3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899\","

static void test_inspect_fixture(void **st)
{
	struct topo_docker_info info;
	char err[256] = "";

	(void)st;
	assert_int_equal(topo_docker_parse_inspect(inspect_web, strlen(inspect_web), &info, err, sizeof(err)), 0);
	assert_true(info.running);
	assert_int_equal(info.pid, 4242);
	assert_string_equal(info.status, "running");
	assert_string_equal(info.name, "web");
	assert_string_equal(info.sandbox_key, "/var/run/docker/netns/a1b2c3d4e5f6");
	assert_string_equal(info.id, "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899");
}

static void test_inspect_stopped(void **st)
{
	static const char a[] = "{" ID "\"Name\":\"/web\",\"State\":{\"Status\":\"exited\",\"Running\":false,"
				"\"Pid\":0,\"ExitCode\":137},\"NetworkSettings\":{\"SandboxKey\":\"\"}}";
	struct topo_docker_info info;
	char err[256] = "";

	(void)st;
	assert_int_equal(topo_docker_parse_inspect(a, strlen(a), &info, err, sizeof(err)), 0);
	assert_false(info.running);
	assert_string_equal(info.status, "exited");
	assert_int_equal(info.pid, 0);
	assert_string_equal(info.sandbox_key, "");
}

/* --network container:X: no sandbox key of its own; and no NetworkSettings at all. */
static void test_inspect_no_sandbox(void **st)
{
	static const char a[] = "{" ID "\"Name\":\"/side\",\"State\":{\"Running\":true,\"Pid\":77},"
				"\"NetworkSettings\":null}";
	static const char b[] = "{" ID "\"Name\":\"/side\",\"State\":{\"Running\":true,\"Pid\":77}}";
	struct topo_docker_info info;
	char err[256] = "";

	(void)st;
	assert_int_equal(topo_docker_parse_inspect(a, strlen(a), &info, err, sizeof(err)), 0);
	assert_string_equal(info.sandbox_key, "");
	assert_int_equal(info.pid, 77);
	assert_string_equal(info.status, "running");
	assert_int_equal(topo_docker_parse_inspect(b, strlen(b), &info, err, sizeof(err)), 0);
	assert_string_equal(info.sandbox_key, "");
}

static void refused(const char *a, size_t len, int want, const char *msg)
{
	struct topo_docker_info info;
	char err[256] = "";

	memset(&info, 0x5a, sizeof(info));
	assert_int_equal(topo_docker_parse_inspect(a, len, &info, err, sizeof(err)), want);
	if (!strstr(err, msg))
		fail_msg("answer %.120s: error '%s' does not say '%s'", a, err, msg);
	/* Nothing half-read is left for a caller to use. */
	assert_int_equal(info.pid, 0);
	assert_string_equal(info.sandbox_key, "");
}

#define R(a, msg) refused(a, sizeof(a) - 1, -EINVAL, msg)

static void test_inspect_hostile(void **st)
{
	(void)st;
	R("", "not JSON");
	R("{", "not JSON");
	R("[]", "must be a JSON object");
	R("null", "not JSON");
	R("{\"message\":\"No such container: web\"}", "Id: missing");
	R("{\"Id\":42}", "Id: must be a string");
	R("{\"Id\":\"abc\"}", "Id: not 64 hex digits");
	R("{" ID "\"x\":1}", "Name: missing");
	R("{" ID "\"Name\":\"/../etc\"}", "is not a container name");
	R("{" ID "\"Name\":\"/web\"}", "State: missing");
	R("{" ID "\"Name\":\"/web\",\"State\":[]}", "State: must be an object");
	R("{" ID "\"Name\":\"/web\",\"State\":{}}", "State.Running: missing");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":\"true\"}}", "State.Running: must be true or false");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":1}}", "State.Running: must be true or false");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true}}", "State.Pid: missing");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":\"4242\"}}", "State.Pid: must be an integer");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":42.0}}", "State.Pid: must be an integer");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":-1}}", "is not a pid");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":99999999999}}", "is not a pid");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":0}}", "0 for a running container");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Status\":7,\"Pid\":5}}", "State.Status: must be a string");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":5},\"NetworkSettings\":[]}",
	  "NetworkSettings: must be an object");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":5},\"NetworkSettings\":{\"SandboxKey\":1}}",
	  "SandboxKey: must be a string");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":5},\"NetworkSettings\":{\"SandboxKey\":\"netns/x\"}}",
	  "is not an absolute path");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":5},"
	  "\"NetworkSettings\":{\"SandboxKey\":\"/var/run/docker/netns/../../../proc/1/ns/net\"}}",
	  "is not an absolute path");
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":5},\"NetworkSettings\":{\"SandboxKey\":\"/x/..\"}}",
	  "is not an absolute path");
	/* A NUL inside the path would open another file than the one checked. */
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":5},"
	  "\"NetworkSettings\":{\"SandboxKey\":\"/proc/1/ns/net\\u0000/var/run/docker/netns/x\"}}", "is not allowed");
	/* Two answers for one key: which one is meant? */
	R("{" ID "\"Name\":\"/web\",\"State\":{\"Running\":false,\"Running\":true,\"Pid\":5}}", "not JSON");
}

static void test_inspect_huge(void **st)
{
	size_t n = TOPO_DOCKER_ANSWER_MAX + 16;
	char *big = malloc(n + 1), *p;
	static const char head[] = "{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":5},\"Pad\":\"";

	(void)st;
	assert_non_null(big);
	memset(big, 'a', n);
	memcpy(big, head, sizeof(head) - 1);
	memcpy(big + n - 2, "\"}", 2);
	big[n] = '\0';
	refused(big, n, -EFBIG, "more than");
	/* Under the limit the same shape is read: the refusal is the size alone. */
	p = big + TOPO_DOCKER_ANSWER_MAX - 64;
	memcpy(p, "\"}", 3);
	{
		struct topo_docker_info info;
		char err[256] = "";

		assert_int_equal(topo_docker_parse_inspect(big, strlen(big), &info, err, sizeof(err)), 0);
		assert_int_equal(info.pid, 5);
	}
	/* A long sandbox key, past the path limit. */
	{
		size_t k = TOPO_DOCKER_PATH_MAX + 10;
		char *a = malloc(k + 200);

		assert_non_null(a);
		p = a + sprintf(a, "{" ID "\"Name\":\"/web\",\"State\":{\"Running\":true,\"Pid\":5},"
				"\"NetworkSettings\":{\"SandboxKey\":\"/");
		memset(p, 'x', k);
		strcpy(p + k, "\"}}");
		refused(a, strlen(a), -EINVAL, "longer than");
		free(a);
	}
	free(big);
}

static void test_list(void **st)
{
	static const char a[] = "[{\"Id\":\"3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899\","
				"\"Names\":[\"/web\"],\"State\":\"running\"},"
				"{\"Id\":\"0000000000000000000000000000000000000000000000000000000000000001\",\"Names\":[\"/db\"]}]";
	char **ids, err[256] = "";
	size_t n;

	(void)st;
	assert_int_equal(topo_docker_parse_list(a, strlen(a), &ids, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_string_equal(ids[1], "0000000000000000000000000000000000000000000000000000000000000001");
	for (size_t i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
	assert_int_equal(topo_docker_parse_list("[]", 2, &ids, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 0);
	free(ids);
	assert_int_equal(topo_docker_parse_list("{}", 2, &ids, &n, err, sizeof(err)), -EINVAL);
	assert_null(ids);
	assert_int_equal(topo_docker_parse_list("[1]", 3, &ids, &n, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[0]: must be an object");
	assert_int_equal(topo_docker_parse_list("[{\"Id\":\"x\"}]", 12, &ids, &n, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "[0].Id: not 64 hex digits");
	assert_null(ids);
}

static void test_message(void **st)
{
	static const char a[] = "{\"message\":\"No such container: web\\n\\u001b[31m\"}";
	char m[64];

	(void)st;
	assert_true(topo_docker_parse_message(a, strlen(a), m, sizeof(m)));
	assert_string_equal(m, "No such container: web??[31m");
	assert_false(topo_docker_parse_message("{}", 2, m, sizeof(m)));
	assert_false(topo_docker_parse_message("<html>", 6, m, sizeof(m)));
	assert_false(topo_docker_parse_message("{\"message\":3}", 13, m, sizeof(m)));
}

static void test_name_rule(void **st)
{
	char longest[TOPO_DOCKER_NAME_MAX + 2];

	(void)st;
	assert_true(topo_docker_name_valid("web"));
	assert_true(topo_docker_name_valid("my_app.1-x"));
	assert_true(topo_docker_name_valid("3f4e5d6c7b8a"));
	assert_true(topo_docker_name_valid("0"));
	assert_false(topo_docker_name_valid(""));
	assert_false(topo_docker_name_valid(NULL));
	assert_false(topo_docker_name_valid("_web"));
	assert_false(topo_docker_name_valid(".web"));
	assert_false(topo_docker_name_valid("-web"));
	assert_false(topo_docker_name_valid("/web"));
	assert_false(topo_docker_name_valid("web/../x"));
	assert_false(topo_docker_name_valid("web?all=1"));
	assert_false(topo_docker_name_valid("we b"));
	assert_false(topo_docker_name_valid("caf\xc3\xa9"));
	memset(longest, 'a', TOPO_DOCKER_NAME_MAX);
	longest[TOPO_DOCKER_NAME_MAX] = '\0';
	assert_true(topo_docker_name_valid(longest));
	longest[TOPO_DOCKER_NAME_MAX] = 'a';
	longest[TOPO_DOCKER_NAME_MAX + 1] = '\0';
	assert_false(topo_docker_name_valid(longest));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inspect_fixture),
		cmocka_unit_test(test_inspect_stopped),
		cmocka_unit_test(test_inspect_no_sandbox),
		cmocka_unit_test(test_inspect_hostile),
		cmocka_unit_test(test_inspect_huge),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_name_rule),
	};

	return cmocka_run_group_tests_name("docker", tests, NULL, NULL);
}
