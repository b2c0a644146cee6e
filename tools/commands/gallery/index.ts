/** `arcedge gallery <subcommand>`: the subcommands, each in its own file by concern. */
import { defineGroup } from '../../cli/command.ts';
import { calibrateCommand } from './calibrate.ts';
import { listCommand, removeCommand, renameCommand, showCommand } from './manage.ts';
import { pushCommand } from './push.ts';
import { reembedCommand } from './reembed.ts';
import { exportCommand, importCommand } from './transfer.ts';

export const galleryCommand = defineGroup({
  name: 'gallery',
  summary: 'inspect and maintain a gallery: list, show, remove, rename, export, import, reembed, calibrate, push (to devices)',
  subcommands: {
    list: listCommand,
    show: showCommand,
    remove: removeCommand,
    rename: renameCommand,
    export: exportCommand,
    import: importCommand,
    reembed: reembedCommand,
    calibrate: calibrateCommand,
    push: pushCommand,
  },
});
