/* The node's pseudo-random generator: xorshift64* seeded (and stirred) by the TSC. */
#include "kernel/rand.h"
#include "kernel/cpu.h"

static uint64_t state;

static uint64_t next(void)
{
	if (!state)
		state = rdtsc() * 0x9E3779B97F4A7C15ULL | 1;
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return state * 0x2545F4914F6CDD1DULL;
}

uint32_t rand_u32(void)
{
	return (uint32_t)(next() >> 32);
}

uint64_t rand_u64(void)
{
	return next();
}

void rand_bytes(void *buf, size_t len)
{
	uint8_t *p = buf;
	for (size_t i = 0; i < len; i++) {
		state ^= rdtsc();
		p[i] = (uint8_t)(next() >> 56);
	}
}
