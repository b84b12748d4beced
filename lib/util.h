/*
 * Small shared helpers: logging, allocation that never fails, growable
 * buffers with a bounds-checked reader, hex, paths, names.  Nothing here
 * depends on any other module.
 */
#ifndef UTIL_H
#define UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ISCONF_VERSION "0.1.0"

/* log.c */
void	log_init(int foreground, const char *ident);
void	log_init_stamped(const char *ident);
void	log_setverbose(int);
/* The way this process logs, as a short string, and setting it so in
 * a re-executed child (daemon/http.c, net/proxy.c). */
const char *log_mode(void);
void	log_init_mode(const char *mode, const char *ident);
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Copy s into dst (size dstlen), escaping control and non-ASCII bytes. */
void	log_escape(char *dst, size_t dstlen, const char *s);

/* xmalloc.c: these never return NULL; they abort on exhaustion.  What
 * they return (and xasprintf's string) is the caller's to free. */
void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));
int	 xvasprintf(char **, const char *, va_list);
/* Bounded copy; returns strlen(src) like strlcpy(3). */
size_t	 xstrlcpy(char *, const char *, size_t);
/* Set *cause to a newly allocated message; returns -1 for "return". */
int	 set_cause(char **cause, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* buf.c: growable byte buffer, big-endian encoders. */
struct buf {
	uint8_t	*data;
	size_t	 len;
	size_t	 cap;
};
void	buf_init(struct buf *);
void	buf_free(struct buf *);
void	buf_reset(struct buf *);
void	buf_add(struct buf *, const void *, size_t);
void	buf_add_u8(struct buf *, uint8_t);
void	buf_add_u32(struct buf *, uint32_t);
void	buf_add_u64(struct buf *, uint64_t);
void	buf_add_str(struct buf *, const char *);	/* u32 length + bytes */
void	buf_add_blob(struct buf *, const void *, size_t);	/* u32 len + bytes */
void	buf_add_json(struct buf *, const char *);	/* "escaped" */
/* Controls and non-UTF-8 as \xNN, for terminals and logs. */
void	buf_add_esc(struct buf *, const char *);
char	*str_esc(const char *);		/* the same, caller frees */
/* The length of the UTF-8 sequence at s and its code point, or 0 if it
 * is not one. */
size_t	 utf8_len(const unsigned char *s, uint32_t *cp);
void	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* shquote.c: argv shown shell-quoted, so that pasting it runs the same
 * command; first: the command's first word (one with '=' is quoted). */
void	buf_add_shword(struct buf *, const char *word, int first);
void	buf_add_argv(struct buf *, char *const argv[], size_t argc);
char	*argv_quote(char *const argv[], size_t argc);	/* caller frees */

/*
 * Reader over untrusted bytes.  Every read checks bounds; the first
 * failure sets err and later reads return zeros, so a caller checks err
 * once at the end.
 */
struct rd {
	const uint8_t	*p;
	size_t		 len;
	size_t		 off;
	int		 err;
};
void		 rd_init(struct rd *, const void *, size_t);
uint8_t		 rd_u8(struct rd *);
uint32_t	 rd_u32(struct rd *);
uint64_t	 rd_u64(struct rd *);
void		 rd_bytes(struct rd *, void *, size_t);
/* A string: rejected (err) if longer than max or containing NUL.  Never
 * NULL ("" when rejected): a new string the caller frees. */
char		*rd_str(struct rd *, size_t max);
/* A blob: pointer into the input, not copied. */
const uint8_t	*rd_blob(struct rd *, size_t *len, size_t max);
int		 rd_done(struct rd *);	/* 0 if all consumed without error */

uint32_t	get_u32(const uint8_t *);
void		put_u32(uint8_t *, uint32_t);
uint64_t	get_u64(const uint8_t *);
void		put_u64(uint8_t *, uint64_t);

/* hex.c */
void	hex_encode(char *dst, const uint8_t *src, size_t len); /* dst 2len+1 */
int	hex_decode(uint8_t *dst, size_t dstlen, const char *src);

/* path.c */
/* "a/b" (one slash between): a new string the caller frees. */
char	*path_join(const char *, const char *);
int	 mkdir_p(const char *, mode_t, char **cause);
/* Write a small file atomically (temp, fsync, rename). */
int	 file_write_atomic(const char *, const void *, size_t, mode_t,
	    char **cause);
/*
 * inroot.c: open the directory at path beneath the directory rootfd as
 * if rootfd were "/" (symlinks followed but kept inside, ".." stops at
 * rootfd).  Returns an O_RDONLY|O_DIRECTORY descriptor, or -1 with
 * errno set.  inroot_walk is the fallback for kernels without
 * openat2(RESOLVE_IN_ROOT), exported for its tests.
 */
int	 inroot_opendir(int rootfd, const char *path);
int	 inroot_walk(int rootfd, const char *path);
/* Read a whole small file (limit bytes); NUL-terminated, the caller
 * frees *out.  0, 1 if missing (*out NULL), -1. */
int	 file_read(const char *, size_t limit, char **out, size_t *len,
	    char **cause);
/* file_read, but a NUL byte is an error naming file and line. */
int	 file_read_text(const char *, size_t limit, char **out, char **cause);
/* First line of a file, trimmed (the caller frees *out); 1 if missing
 * or empty; NUL: error. */
int	 file_read_line(const char *, char **out, char **cause);
/* Trims s in place: a pointer into s, not to be freed apart from it. */
char	*str_trim(char *);
int64_t	 now_ns(void);
void	 fmt_time(char *, size_t, int64_t secs);

/* name.c: domain and branch names match \w+[-\w\.]+ entirely. */
int	 name_valid(const char *);
/* Host names: [A-Za-z0-9_.-]{1,255}, not starting with a dot. */
int	 host_name_valid(const char *);

/*
 * Crash points for tests, compiled in only with ISCONF_CRASH_HOOKS (the
 * test builds of make check): when $ISCONF_CRASH names the point, the
 * process kills itself with SIGKILL there, as a power cut would.
 */
#ifdef ISCONF_CRASH_HOOKS
void	crash_point(const char *);
#define CRASH_POINT(name)	crash_point(name)
/*
 * Fault points, in the same builds: 1 when $ISCONF_FAULT is what or
 * "what:which", so a test can make, say, every read of one table fail
 * as a failing disk would.
 */
int	fault_point(const char *what, const char *which);
/*
 * Pause points, in the same builds: when $ISCONF_PAUSE names the point,
 * the process creates the file $ISCONF_PAUSE_FILE and waits there (10 s
 * at most) until it is removed, so a test can change what the process
 * works on at that instant, deterministically.
 */
void	pause_point(const char *);
#define PAUSE_POINT(name)	pause_point(name)
/*
 * Limits a test may lower, in the same builds: $name as a number
 * between 1 and def, else def.  So a test reaches a limit quickly (the
 * entries one sync run serves) or makes an ordinary file exceed the
 * frame limit ($ISCONF_MAX_FRAME, $ISCONF_CHUNK_MAX).
 */
uint64_t test_knob(const char *name, uint64_t def);
#define TEST_KNOB(name, def)	test_knob(name, def)
/* A skewed clock: now_ns() is $ISCONF_CLOCK_OFFSET_S seconds off. */
int64_t	clock_offset_ns(void);
#define CLOCK_OFFSET_NS()	clock_offset_ns()
/* A default path a test moves ($name when absolute, else def), so the
 * tests of the default layout never touch the real /var. */
const char *test_path(const char *name, const char *def);
#define TEST_PATH(name, def)	test_path(name, def)
#else
#define TEST_PATH(name, def)	(def)
#define TEST_KNOB(name, def)	(def)
#define CRASH_POINT(name)	do { } while (0)
#define PAUSE_POINT(name)	do { } while (0)
#define CLOCK_OFFSET_NS()	0
#endif

/* A result that must be looked at: an error or a lookup's answer. */
#define MUST_CHECK	__attribute__((warn_unused_result))

#include "banned.h"

#endif
