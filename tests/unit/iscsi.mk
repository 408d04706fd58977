# iSCSI initiator pure-logic modules (blk/iscsi/*) and SCSI helpers (blk/scsi.c).
UNIT_TESTS += iscsi_crc32c iscsi_hash iscsi_addr iscsi_text iscsi_params iscsi_chap iscsi_pdu \
	iscsi_login iscsi_ibft iscsi_rootpath scsi
UT_iscsi_crc32c_SRCS := blk/iscsi/crc32c.c
UT_iscsi_hash_SRCS := blk/iscsi/md5.c blk/iscsi/mdhash.c blk/iscsi/sha256.c
UT_iscsi_addr_SRCS := blk/iscsi/addr.c
UT_iscsi_text_SRCS := blk/iscsi/text.c blk/iscsi/addr.c
UT_iscsi_params_SRCS := blk/iscsi/params.c blk/iscsi/text.c blk/iscsi/addr.c
UT_iscsi_chap_SRCS := blk/iscsi/chap.c blk/iscsi/text.c blk/iscsi/addr.c blk/iscsi/md5.c blk/iscsi/mdhash.c \
	blk/iscsi/sha256.c
UT_iscsi_pdu_SRCS := blk/iscsi/pdu.c blk/iscsi/crc32c.c
UT_iscsi_login_SRCS := blk/iscsi/login.c blk/iscsi/params.c blk/iscsi/chap.c blk/iscsi/pdu.c \
	blk/iscsi/text.c blk/iscsi/addr.c blk/iscsi/md5.c blk/iscsi/mdhash.c blk/iscsi/sha256.c blk/iscsi/crc32c.c
UT_iscsi_ibft_SRCS := blk/iscsi/ibft.c blk/iscsi/addr.c
UT_iscsi_rootpath_SRCS := blk/iscsi/rootpath.c blk/iscsi/addr.c blk/scsi.c net/netcfg.c kernel/fmt.c
UT_scsi_SRCS := blk/scsi.c
