/*
 * main.cf: parsed at start-up and by the client, and resolved for a
 * host name and FQDN (the first two lines of the input when it starts
 * with "#!", else fixed names).
 */
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "conf.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct maincf	*m;
	struct conf_env	 env;
	char		*text = fuzz_str(p, len), *cause = NULL;

	if (maincf_parse("main.cf", text, &m, &cause) == 0) {
		memset(&env, 0, sizeof env);
		if (maincf_resolve(m, "host1", "host1.example.com", &env,
		    &cause) == -1) {
			free(cause);
			cause = NULL;
		}
		env_free(&env);
		maincf_free(m);
	}
	free(cause);
	free(text);
	return 0;
}
