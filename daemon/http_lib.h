/*
 * libmicrohttpd, loaded on the first HTTP connection (http_lib.c), and
 * the limits on its connections (http_limit.c).  Only http.c and those
 * include this.
 */
#ifndef HTTP_LIB_H
#define HTTP_LIB_H

#include <microhttpd.h>

/* The calls http.c makes, typed from microhttpd.h itself. */
struct mhd_lib {
	__typeof__(MHD_start_daemon)		*start_daemon;
	__typeof__(MHD_stop_daemon)		*stop_daemon;
	__typeof__(MHD_add_connection)		*add_connection;
	__typeof__(MHD_run)			*run;
	__typeof__(MHD_get_timeout)		*get_timeout;
	__typeof__(MHD_get_daemon_info)		*get_daemon_info;
	__typeof__(MHD_create_response_from_buffer) *response_from_buffer;
	__typeof__(MHD_add_response_header)	*add_response_header;
	__typeof__(MHD_queue_response)		*queue_response;
	__typeof__(MHD_destroy_response)	*destroy_response;
	__typeof__(MHD_lookup_connection_value)	*lookup_value;
	__typeof__(MHD_get_connection_info)	*get_connection_info;
	__typeof__(MHD_get_connection_values)	*connection_values;
};

/* Fill lib, loading the library if it is not yet.  -1 and a cause if
 * it or one of the calls cannot be found. */
int	mhd_lib_load(struct mhd_lib *lib, char **cause);

/* http_limit.c: connections per address and in all, and how long one
 * has for a request's headers (doc/protocol.md, "Local ports"). */
#define HTTP_MAX_CONNS		128
#define HTTP_MAX_PER_ADDR	16
#define HTTP_HEADER_SECS	5

enum http_limit_reason {
	HTTP_REFUSED_ADDR,	/* its address's slots all in requests */
	HTTP_REFUSED_FULL,	/* every slot in a request */
	HTTP_HEADER_TIMEOUT,	/* no headers in time */
	HTTP_EVICTED,		/* idle, closed for a newcomer */
};

struct http_limit;
struct http_limit *http_limit_new(struct event_base *,
	    const struct mhd_lib *);
void	http_limit_free(struct http_limit *);
/* Before MHD is given a connection from sin: 0 to go on (an idle one
 * may have been closed for it), -1 (counted) to close it. */
int	http_limit_admit(struct http_limit *, const struct sockaddr_in *);
/* MHD_OPTION_NOTIFY_CONNECTION and MHD_OPTION_NOTIFY_COMPLETED, with
 * the http_limit as their argument. */
void	http_limit_notify(void *, struct MHD_Connection *, void **,
	    enum MHD_ConnectionNotificationCode);
void	http_limit_completed(void *, struct MHD_Connection *, void **,
	    enum MHD_RequestTerminationCode);
/* The request's headers are in: it may take its time now. */
void	http_limit_request(struct http_limit *, struct MHD_Connection *);
void	http_limit_stats(const struct http_limit *, uint64_t stats[4]);

#endif
