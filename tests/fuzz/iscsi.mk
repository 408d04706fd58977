# Fuzzers for the iSCSI initiator's untrusted-input parsers (blk/iscsi/*, blk/scsi.c).
FUZZERS += iscsi_pdu iscsi_text iscsi_login ibft rootpath scsi
FZ_iscsi_pdu_SRCS := blk/iscsi/pdu.c blk/iscsi/crc32c.c
FZ_iscsi_text_SRCS := blk/iscsi/text.c blk/iscsi/params.c blk/iscsi/chap.c blk/iscsi/addr.c \
	blk/iscsi/md5.c blk/iscsi/mdhash.c blk/iscsi/sha256.c
FZ_iscsi_login_SRCS := blk/iscsi/login.c blk/iscsi/params.c blk/iscsi/chap.c blk/iscsi/pdu.c \
	blk/iscsi/text.c blk/iscsi/addr.c blk/iscsi/md5.c blk/iscsi/mdhash.c blk/iscsi/sha256.c blk/iscsi/crc32c.c
FZ_ibft_SRCS := blk/iscsi/ibft.c blk/iscsi/addr.c
FZ_rootpath_SRCS := blk/iscsi/rootpath.c blk/iscsi/addr.c blk/scsi.c net/netcfg.c kernel/fmt.c
FZ_scsi_SRCS := blk/scsi.c
