#!/bin/sh
# tsgenkernel-hook: installed by 'tsgenkernel install-hooks', removed by its --uninstall.
# /etc/kernel/postinst.d hook (run-parts --arg=KV --arg=IMAGE): builds the new kernel's initramfs.
[ -n "$1" ] || exit 0
exec @TSGENKERNEL@ hook add "$1" "${2:-}"
