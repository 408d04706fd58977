/*
 * COM1 console with per-line timestamps.  Polled output keeps it usable from
 * the fault path and from interrupt handlers; a line is formatted into a
 * stack buffer first so that one call produces one uninterrupted line.
 */
#include <stdbool.h>
#include <stdint.h>

#include "kernel/console.h"
#include "kernel/clock.h"
#include "kernel/cpu.h"
#include "kernel/fmt.h"

#define COM1 0x3F8

static bool at_line_start = true;
static int loglevel = LOG_INFO;

void con_init(void)
{
	outb(COM1 + 1, 0x00); /* no UART interrupts: we poll */
	outb(COM1 + 3, 0x80); /* DLAB */
	outb(COM1 + 0, 0x01); /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + 3, 0x03); /* 8N1 */
	outb(COM1 + 2, 0xC7); /* FIFO on, cleared */
	outb(COM1 + 4, 0x03); /* DTR, RTS */
}

static void uart_put(char c)
{
	/* Bounded wait: a wedged UART must not hang the fault path forever. */
	for (int i = 0; i < 100000 && !(inb(COM1 + 5) & 0x20); i++)
		cpu_relax();
	outb(COM1, (uint8_t)c);
}

static void put_stamp(void)
{
	char stamp[24];
	uint64_t ns = clock_ns();
	int n =
	    fmt_snprintf(stamp, sizeof(stamp), "[%5lu.%06lu] ", (unsigned long)(ns / 1000000000),
	                 (unsigned long)(ns / 1000 % 1000000));
	for (int i = 0; i < n; i++)
		uart_put(stamp[i]);
}

static void write_locked(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		char c = buf[i];
		if (at_line_start) {
			put_stamp();
			at_line_start = false;
		}
		if (c == '\n') {
			uart_put('\r');
			at_line_start = true;
		}
		uart_put(c);
	}
}

void con_write(const char *buf, size_t len)
{
	uint64_t fl = irq_save();
	write_locked(buf, len);
	irq_restore(fl);
}

int con_vprintf(const char *fmt, va_list ap)
{
	char line[512];
	int n = fmt_vsnprintf(line, sizeof(line), fmt, ap);
	size_t len = n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1;
	con_write(line, len);
	return (int)len;
}

int con_printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = con_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

int con_log(int level, const char *fmt, ...)
{
	if (level > loglevel)
		return 0;
	va_list ap;
	va_start(ap, fmt);
	int n = con_vprintf(fmt, ap);
	va_end(ap);
	return n;
}

void con_set_loglevel(int level)
{
	loglevel = level;
}

int con_getc(void)
{
	if (!(inb(COM1 + 5) & 1))
		return -1;
	return inb(COM1);
}
