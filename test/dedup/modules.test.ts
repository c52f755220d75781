/**
 * The translation-unit-to-module mapping: objects.builtin (modules.builtin.objs
 * format) and modules.builtin decide which compile units of the kernel image
 * land in a <module>.builtin.ctf; everything else is vmlinux.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TuMapper, isKernelImage, moduleName, parseBlacklist, parseBuiltin } from '../../src/dedup/index.js';

test('compile units map to built-in modules by object path, whatever prefix the unit name has', () => {
  const b = parseBuiltin(
    'kernel/fs/ext4/ext4.ko: fs/ext4/inode.o fs/ext4/super.o\nkernel/drivers/x/notbuiltin.ko: drivers/x/n.o\ninit/main.o kernel/fork.o\n# comment\n',
    'kernel/fs/ext4/ext4.ko\nkernel/crypto/md5.ko\n');
  assert.deepEqual([...b.modules].sort(), ['ext4', 'md5']);
  assert.equal(b.objects.get('drivers/x/n.o'), undefined, 'only modules named by modules.builtin count');
  const m = new TuMapper(b);
  assert.equal(m.kernelModule('fs/ext4/inode.c'), 'ext4');
  assert.equal(m.kernelModule('/build/linux-6.1/fs/ext4/super.c'), 'ext4');
  assert.equal(m.kernelModule('/build/linux-6.1/xfs/ext4/inode.c'), 'vmlinux', 'matched on whole path components');
  assert.equal(m.kernelModule('kernel/fork.c'), 'vmlinux');
  assert.equal(m.kernelModule('arch/x86/kernel/head_64.S'), 'vmlinux');
  assert.equal(new TuMapper(undefined).kernelModule('fs/ext4/inode.c'), 'vmlinux');
});

test('module names, kernel images and the blacklist', () => {
  assert.equal(moduleName('/lib/modules/x/kernel/sound/pci/snd-ens1371.ko'), 'snd-ens1371');
  assert.equal(moduleName('drivers/foo/bar.mod.o'), 'bar');
  assert.equal(moduleName('drivers/foo/bar.o'), 'bar');
  assert.ok(isKernelImage('/build/vmlinux.o') && isKernelImage('vmlinux') && isKernelImage('/usr/lib/debug/boot/vmlinux-6.1.0-56-cloud-amd64'));
  assert.ok(!isKernelImage('vmlinux.ko') && !isKernelImage('ext4.ko'));
  assert.deepEqual([...parseBlacklist('# header\nsnd-ens1371\n  kernel/sound/pci/snd-foo.ko  # why\n\n')], ['snd-ens1371', 'snd-foo']);
});
