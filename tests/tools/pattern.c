/*
 * Host side of blkcheck's contract: generate the pattern, or check a file
 * (e.g. the LUN's backing file) against it.
 *
 *   pattern gen SEED OFFSET LENGTH           pattern bytes for [OFFSET, OFFSET+LENGTH) to stdout
 *   pattern check FILE SEED OFFSET LENGTH    compare FILE's bytes at OFFSET with the pattern
 *   pattern write FILE SEED OFFSET LENGTH    write the pattern into FILE at OFFSET
 *
 * The 8-byte little-endian word at byte offset 8k is f(SEED + k), f being
 * splitmix64's finaliser.  check prints "ok" or "MISMATCH first=B count=W".
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t f(uint64_t x)
{
	uint64_t z = x + 0x9E3779B97F4A7C15ULL;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static uint64_t num(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (*end || errno) {
		fprintf(stderr, "pattern: '%s' is not a decimal number\n", s);
		exit(2);
	}
	return v;
}

#define CHUNK (1u << 20)

int main(int argc, char **argv)
{
	static uint64_t buf[CHUNK / 8], want[CHUNK / 8];
	if (argc == 5 && !strcmp(argv[1], "gen")) {
		uint64_t seed = num(argv[2]), off = num(argv[3]), len = num(argv[4]);
		if (off % 8 || len % 8)
			return fprintf(stderr, "pattern: OFFSET and LENGTH must be multiples of 8\n"), 2;
		for (uint64_t done = 0; done < len;) {
			uint64_t n = len - done < CHUNK ? len - done : CHUNK;
			for (uint64_t i = 0; i < n / 8; i++)
				buf[i] = f(seed + (off + done) / 8 + i);
			fwrite(buf, 1, n, stdout);
			done += n;
		}
		return 0;
	}
	if (argc == 6 && (!strcmp(argv[1], "check") || !strcmp(argv[1], "write"))) {
		int wr = !strcmp(argv[1], "write");
		uint64_t seed = num(argv[3]), off = num(argv[4]), len = num(argv[5]);
		FILE *fp = fopen(argv[2], wr ? "r+b" : "rb");
		if (!fp || fseeko(fp, (off_t)off, SEEK_SET))
			return perror(argv[2]), 2;
		uint64_t bad = 0, first = 0;
		for (uint64_t done = 0; done < len;) {
			uint64_t n = len - done < CHUNK ? len - done : CHUNK;
			for (uint64_t i = 0; i < n / 8; i++)
				want[i] = f(seed + (off + done) / 8 + i);
			if (wr) {
				if (fwrite(want, 1, n, fp) != n)
					return perror(argv[2]), 2;
			} else {
				size_t got = fread(buf, 1, n, fp);
				memset((char *)buf + got, 0, n - got);
				for (uint64_t i = 0; i < n / 8; i++)
					if (buf[i] != want[i] && !bad++)
						first = off + done + 8 * i;
			}
			done += n;
		}
		if (fclose(fp))
			return perror(argv[2]), 2;
		if (wr)
			return 0;
		if (bad)
			printf("MISMATCH first=%llu count=%llu\n", (unsigned long long)first,
			       (unsigned long long)bad);
		else
			printf("ok\n");
		return bad ? 1 : 0;
	}
	fprintf(stderr, "usage: pattern gen SEED OFFSET LENGTH | pattern check|write FILE SEED OFFSET "
			"LENGTH\n");
	return 2;
}
