# The pure helpers in lib/: CRC32C, and MD5 and SHA-256 over their shared block engine.
UNIT_TESTS += crc32c hash
UT_crc32c_SRCS := $(SRC_CRC)
UT_hash_SRCS := $(SRC_HASH)
