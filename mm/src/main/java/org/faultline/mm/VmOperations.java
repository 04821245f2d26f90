package org.faultline.mm;

/**
 * {@code struct vm_operations_struct}: how a file mapping's faults reach the filesystem.
 *
 * <pre>
 * op            page locked on entry   on return
 * fault         no                     vmf.page referenced; locked if VM_FAULT_LOCKED
 * page_mkwrite  no                     page locked if VM_FAULT_LOCKED (else the core locks it)
 * </pre>
 * page_mkwrite must make the page writable for good: allocate or reserve blocks, attach buffers,
 * and leave it ready to be dirtied; on a truncated page it returns VM_FAULT_NOPAGE.
 */
public interface VmOperations {
    /** ->fault() (filemap_fault for most filesystems). */
    int fault(VmFault vmf);

    /** ->page_mkwrite(), or null in a table without one. */
    default boolean hasPageMkwrite() {
        return true;
    }

    /** ->page_mkwrite(). */
    int pageMkwrite(VmFault vmf);
}
