# Fuzzers for the iSCSI initiator's untrusted-input parsers (blk/iscsi/*, blk/scsi.c).
FUZZERS += iscsi_pdu iscsi_text iscsi_login ibft rootpath scsi
FZ_iscsi_pdu_SRCS := $(SRC_PDU)
FZ_iscsi_text_SRCS := blk/iscsi/params.c $(SRC_CHAP)
FZ_iscsi_login_SRCS := $(SRC_LOGIN)
FZ_ibft_SRCS := blk/iscsi/ibft.c blk/iscsi/addr.c
FZ_rootpath_SRCS := $(SRC_ROOTPATH)
FZ_scsi_SRCS := blk/scsi.c
