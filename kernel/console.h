/*
 * The console: COM1 (16550 UART at 0x3F8, 115200 8N1), polled.  Every line
 * starts with the monotonic time in Linux's "[    0.123456] " style.  Safe
 * from any context, including interrupt handlers and the fault path; output
 * from concurrent callers is serialised by line.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

enum {
	LOG_ERR = 3,
	LOG_WARN = 4,
	LOG_NOTICE = 5,
	LOG_INFO = 6,
	LOG_DEBUG = 7,
};

/* Set up the UART.  Boot, first thing. */
void con_init(void);

/* Write raw bytes (newlines get timestamps at the next line start). */
void con_write(const char *buf, size_t len);

int con_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int con_vprintf(const char *fmt, va_list ap);

/* Messages above the log level (loglevel=) are dropped. */
int con_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void con_set_loglevel(int level);

/* Read a byte if one is waiting; -1 otherwise.  Thread context. */
int con_getc(void);

#define pr_err(...)    con_log(LOG_ERR, __VA_ARGS__)
#define pr_warn(...)   con_log(LOG_WARN, __VA_ARGS__)
#define pr_notice(...) con_log(LOG_NOTICE, __VA_ARGS__)
#define pr_info(...)   con_log(LOG_INFO, __VA_ARGS__)
#define pr_debug(...)  con_log(LOG_DEBUG, __VA_ARGS__)

#endif
