# Source sets that unit tests and fuzzers link together, each listed once.
# Included by the Makefile before tests/unit/*.mk and tests/fuzz/*.mk.
SRC_HASH := lib/md5.c lib/mdhash.c lib/sha256.c
SRC_CRC := lib/crc32c.c
SRC_TEXT := blk/iscsi/text.c blk/iscsi/addr.c
SRC_PARAMS := blk/iscsi/params.c $(SRC_TEXT)
SRC_CHAP := blk/iscsi/chap.c $(SRC_TEXT) $(SRC_HASH)
SRC_PDU := blk/iscsi/pdu.c $(SRC_CRC)
# The login engine and everything it needs.
SRC_LOGIN := blk/iscsi/login.c blk/iscsi/params.c $(SRC_CHAP) $(SRC_PDU)
SRC_ROOTPATH := blk/iscsi/rootpath.c blk/iscsi/addr.c blk/scsi.c net/netcfg.c kernel/fmt.c
