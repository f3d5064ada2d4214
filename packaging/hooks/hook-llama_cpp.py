# llama-cpp-python loads its shared libraries with ctypes from llama_cpp/lib at run time,
# so PyInstaller cannot see them: collect them (and the package's data files) explicitly.
from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs

binaries = collect_dynamic_libs("llama_cpp")
datas = collect_data_files("llama_cpp")
