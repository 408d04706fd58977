# iSCSI initiator pure-logic modules (blk/iscsi/*) and SCSI helpers (blk/scsi.c).
UNIT_TESTS += iscsi_addr iscsi_text iscsi_params iscsi_chap iscsi_pdu \
	iscsi_login iscsi_ibft iscsi_rootpath iscsi_window scsi
UT_iscsi_addr_SRCS := blk/iscsi/addr.c
UT_iscsi_text_SRCS := $(SRC_TEXT)
UT_iscsi_params_SRCS := $(SRC_PARAMS)
UT_iscsi_chap_SRCS := $(SRC_CHAP)
UT_iscsi_pdu_SRCS := $(SRC_PDU)
UT_iscsi_login_SRCS := $(SRC_LOGIN)
UT_iscsi_ibft_SRCS := blk/iscsi/ibft.c blk/iscsi/addr.c
UT_iscsi_rootpath_SRCS := $(SRC_ROOTPATH)
UT_iscsi_window_SRCS := blk/iscsi/window.c
UT_scsi_SRCS := blk/scsi.c
