/*
 * Atheris's two coverage callbacks without pybind11 (see fuzz/fasttrace.py for the why).
 *
 * Atheris instruments Python bytecode with calls to `_trace_branch(counter)` at every basic
 * block and `_trace_cmp(left, right, op, counter, left_is_const)` in place of every
 * comparison. Its own callbacks are pybind11 functions, whose argument dispatch is most of
 * each call (bench/fuzz.py times both): for the raw wire decoder, which makes ~33 such calls
 * per input, a large part of every execution. These are METH_O / METH_FASTCALL functions that do the same work
 * by calling the same code in atheris's core module (`atheris::_trace_branch`,
 * `atheris::TraceCompareOp`), so libFuzzer receives exactly the counters and comparison
 * operands it receives from atheris: only the calling convention differs.
 *
 * Before `bind()` (that is, before fuzzing starts, as in atheris's `native` module) a branch
 * is ignored and a comparison is only evaluated.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <dlfcn.h>
#include <stdbool.h>
#include <stdint.h>

/* Itanium-mangled names of the functions atheris's pybind11 callbacks wrap (src/native/
 * core.cc and tracer.cc in atheris): `void atheris::_trace_branch(uint64_t)` and
 * `PyObject* atheris::TraceCompareOp(void* pc, PyObject*, PyObject*, int, bool)`. */
#define BRANCH_SYMBOL "_ZN7atheris13_trace_branchEm"
#define COMPARE_SYMBOL "_ZN7atheris14TraceCompareOpEPvP7_objectS2_ib"

typedef void (*branch_fn)(uint64_t);
typedef PyObject *(*compare_fn)(void *, PyObject *, PyObject *, int, bool);

static branch_fn trace_branch_impl = NULL;
static compare_fn trace_compare_impl = NULL;
/* How far the COMPARE_OP argument is shifted on this Python (atheris.version_dependent's
 * CMP_OP_SHIFT_AMOUNT); only the unbound `_trace_cmp` needs it, atheris's own shifts itself. */
static int compare_shift = 0;

static int counter_index(PyObject *value, uint64_t *out) {
    unsigned long long index = PyLong_AsUnsignedLongLong(value);
    if (index == (unsigned long long)-1 && PyErr_Occurred()) {
        return -1;
    }
    *out = (uint64_t)index;
    return 0;
}

static PyObject *trace_branch(PyObject *module, PyObject *counter) {
    uint64_t index;
    if (counter_index(counter, &index) < 0) {
        return NULL;
    }
    if (trace_branch_impl != NULL) {
        trace_branch_impl(index);
    }
    Py_RETURN_NONE;
}

static PyObject *trace_cmp(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (nargs != 5) {
        PyErr_Format(PyExc_TypeError,
                     "_trace_cmp(left, right, op, counter, left_is_const) takes 5 arguments, "
                     "%zd given",
                     nargs);
        return NULL;
    }
    long op = PyLong_AsLong(args[2]);
    if (op == -1 && PyErr_Occurred()) {
        return NULL;
    }
    uint64_t index;
    if (counter_index(args[3], &index) < 0) {
        return NULL;
    }
    int left_is_const = PyObject_IsTrue(args[4]);
    if (left_is_const < 0) {
        return NULL;
    }
    if (trace_compare_impl != NULL) {
        /* The counter stands in for the comparison's program counter, as atheris does. */
        return trace_compare_impl((void *)(uintptr_t)index, args[0], args[1], (int)op,
                                  left_is_const != 0);
    }
    return PyObject_RichCompare(args[0], args[1], (int)(op >> compare_shift));
}

static PyObject *bind(PyObject *module, PyObject *core_path) {
    const char *path = PyUnicode_AsUTF8(core_path);
    if (path == NULL) {
        return NULL;
    }
    /* RTLD_NOLOAD: only an already imported atheris core; never a second copy of libFuzzer. */
    void *core = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
    if (core == NULL) {
        PyErr_Format(PyExc_ImportError, "atheris's core module %s is not loaded: %s", path,
                     dlerror());
        return NULL;
    }
    branch_fn branch = (branch_fn)dlsym(core, BRANCH_SYMBOL);
    compare_fn compare = (compare_fn)dlsym(core, COMPARE_SYMBOL);
    dlclose(core); /* the module stays loaded: Python's import holds it */
    if (branch == NULL || compare == NULL) {
        PyErr_Format(PyExc_ImportError,
                     "%s does not export %s: this atheris is not the one fuzz/fasttrace.c "
                     "was written against",
                     path, branch == NULL ? BRANCH_SYMBOL : COMPARE_SYMBOL);
        return NULL;
    }
    trace_branch_impl = branch;
    trace_compare_impl = compare;
    Py_RETURN_NONE;
}

static PyObject *set_compare_shift(PyObject *module, PyObject *value) {
    long shift = PyLong_AsLong(value);
    if (shift == -1 && PyErr_Occurred()) {
        return NULL;
    }
    compare_shift = (int)shift;
    Py_RETURN_NONE;
}

static PyObject *is_bound(PyObject *module, PyObject *unused) {
    return PyBool_FromLong(trace_branch_impl != NULL);
}

static PyMethodDef methods[] = {
    {"_trace_branch", trace_branch, METH_O, "Count one basic block (atheris's counter index)."},
    {"_trace_cmp", (PyCFunction)(void (*)(void))trace_cmp, METH_FASTCALL,
     "Report a comparison's operands to libFuzzer and return its result."},
    {"bind", bind, METH_O, "bind(core_path): forward to the loaded atheris core module."},
    {"set_compare_shift", set_compare_shift, METH_O,
     "The COMPARE_OP argument's shift, for comparisons made before bind()."},
    {"is_bound", is_bound, METH_NOARGS, "Whether bind() has succeeded."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_fasttrace",
    "Atheris's coverage callbacks without pybind11 (fuzz/fasttrace.py).", -1, methods,
};

PyMODINIT_FUNC PyInit__fasttrace(void) { return PyModule_Create(&module_def); }
