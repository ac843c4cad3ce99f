/** One module that goes into the image. */
export interface PlannedModule {
  /** Module name as kmod spells it (dashes normalised to underscores). */
  name: string;
  /** Path relative to the module dir, as in modules.dep ("kernel/fs/ext4/ext4.ko.zst"). */
  relPath: string;
  /** The module that pulled this one in (dependency or softdep); absent for a requested module. */
  requiredBy?: string;
}

/** The resolved module set: what the select-modules stage decided, for the stages after it. */
export interface ModulePlan {
  modules: PlannedModule[];
  /** Requested names satisfied by modules.builtin (nothing to copy). */
  builtin: string[];
  /** Requested names that matched nothing (each warned about once). */
  missing: string[];
  /** The modprobe.d directories the resolver followed (softdeps); the image ships their directive lines. */
  modprobeDirs?: string[];
  /** Filesystem -> modules it loads by name while mounting (see mount-time-modules.ts). */
  mountTimeNeeds?: ReadonlyMap<string, readonly string[]>;
}
