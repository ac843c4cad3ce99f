#!/bin/sh
# tsgenkernel-hook: installed by 'tsgenkernel install-hooks', removed by its --uninstall.
# /etc/kernel/postrm.d hook (run-parts --arg=KV --arg=IMAGE): removes the kernel's initramfs.
[ -n "$1" ] || exit 0
exec @TSGENKERNEL@ hook remove "$1" "${2:-}"
