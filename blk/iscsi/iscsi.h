/*
 * Storage bring-up: find the iSCSI target, log in, and register the LUN as
 * the node's block device.  The target comes from the first source that
 * names one:
 *   1. the command line: netroot=iscsi:... (dracut's form) with
 *      rd.iscsi.initiator= and rd.iscsi.target=;
 *   2. DHCP option 17 (root-path, RFC 4173);
 *   3. the iBFT that iPXE's sanhook leaves in low memory.
 * With no target name, a SendTargets discovery picks one.  Without an
 * initiator name, one is made from the first NIC's MAC and logged.
 */
#ifndef BLK_ISCSI_ISCSI_H
#define BLK_ISCSI_ISCSI_H

/*
 * Start bring-up in a thread of its own and return.  Apps wait for the
 * device with blk_wait(); failures are printed with what to do and reported
 * through blk_bringup_failed().  Thread context, once, after net exists.
 */
void iscsi_boot_start(void);

#endif
