/*
 * The control protocol between isconf and isconfd over $IS_HOME/ctl.sock.
 * Frames: u32 type, u32 length (network order), then the payload.  The
 * client sends one CTL_REQUEST, passing its stdout and stderr with
 * SCM_RIGHTS so that commands run by the daemon write straight to the
 * user's terminal; the daemon answers with CTL_OUT/CTL_ERR text and ends
 * with one CTL_EXIT.  The header layout never changes; the request carries
 * CTL_VERSION so a mismatch gets one clean error.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stdint.h>

#define CTL_VERSION	1
#define CTL_HDR_LEN	8
#define CTL_MAX_FRAME	(1u << 20)
#define CTL_SOCKET	"ctl.sock"

enum ctl_type {
	CTL_REQUEST = 1,
	CTL_OUT,		/* text for the client's stdout */
	CTL_ERR,		/* text for the client's stderr */
	CTL_EXIT,		/* u32 exit status; last frame */
};

/* Request flags (global options the daemon needs). */
#define CTL_F_QUIET	0x01	/* -q */
#define CTL_F_REBOOT	0x02	/* -r */
#define CTL_F_JSON	0x04	/* --json */
#define CTL_F_TTY	0x08	/* client stderr is a terminal */

/* ISconf 4 exit codes, kept so wrapper scripts keep working. */
#define EXIT_LOCKED		220	/* branch locked by someone else */
#define EXIT_NOT_LOCKED		221	/* snap/exec/reboot/ci without lock */
#define EXIT_NO_MESSAGE		222	/* lock without a message */
/* up stopped before a transaction, waiting (issue 25): for the hosts
 * of an earlier canary wave, or by a fleet-wide hold. */
#define EXIT_WAVE_WAIT		223
#define EXIT_HELD		224
#define EXIT_USAGE		22
#define EXIT_NOFILE		2

/*
 * A verb as both sides know it: its argument counts (-1: any), whether
 * it changes the host, and its usage.  The table is lib/verbs.c; the
 * client checks a request against it before sending, the daemon again
 * before running the handler that daemon/VERB.c binds to it.
 */
#define VERB_CHANGES	0x01	/* claims the host while it runs */
#define VERB_INTERNAL	0x02	/* isconf's own (ping, stop): not in -h */

struct verb_spec {
	const char	*name;
	int		 min;
	int		 max;
	int		 flags;
	const char	*usage;
};

/* Every verb, sorted by name; ends with a NULL name. */
extern const struct verb_spec verb_specs[];

/* The verb called name, or NULL. */
const struct verb_spec *verb_find(const char *name);
/* 1 if nargs arguments (the verb not counted) suit v, else 0. */
int	 verb_args_ok(const struct verb_spec *v, int nargs);

#endif
