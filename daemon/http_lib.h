/*
 * libmicrohttpd, loaded on the first HTTP connection (http_lib.c).
 * Only http.c includes this.
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
};

/* Fill lib, loading the library if it is not yet.  -1 and a cause if
 * it or one of the calls cannot be found. */
int	mhd_lib_load(struct mhd_lib *lib, char **cause);

#endif
