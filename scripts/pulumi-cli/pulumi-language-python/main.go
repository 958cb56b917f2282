// pulumi-language-python: a Python language host for the Pulumi CLI that `make pulumi-cli` builds.
//
// Why this exists: the Pulumi CLI finds the language host of a `runtime: python` project as a plugin
// called pulumi-language-python. Pulumi's own host is a Go module of its own that the Go module proxy
// reachable from our build machines does not serve, while the CLI (pkg/v3) and the SDK (sdk/v3) are
// served. This host is written against the SDK's own parts: the gRPC service definitions, the Python
// toolchain package that Pulumi's host uses to find and make virtual environments, and the SDK's
// pulumi-language-python-exec entry point that runs the program. It does what a `pulumi up` of a Python
// program needs of a host, in the same way:
//
//   - Run starts `<python> pulumi-language-python-exec --monitor … <entry point>` in the project's
//     virtualenv, with PULUMI_CONFIG and PULUMI_CONFIG_SECRET_KEYS, and turns the exit status into the
//     same RunResponse (exit code 32 means the program already told the user, so the engine bails).
//   - GetRequiredPackages reports a resource plugin for every installed distribution named pulumi-*,
//     unless its pulumi-plugin.json says `"resource": false`.
//   - InstallDependencies, About and GetProgramDependencies go through the SDK's toolchain package.
//
// Code generation, packing, linking, debugging and Python-written plugins are not offered: nothing in a
// preview, up, refresh, destroy, import or stack command calls them.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/util/rpcutil"
	"github.com/pulumi/pulumi/sdk/v3/go/common/version"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/emptypb"
)

// The exit code with which pulumi-language-python-exec says it has already shown the user what went wrong.
const exitAfterUserActionableMessage = 32

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.String("tracing", "", "ignored: tracing is not supported by this host")
	executor := flag.String("use-executor", "", "run this program instead of pulumi-language-python-exec")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.Version)
		return
	}
	exe := *executor
	if exe == "" {
		self, err := os.Executable()
		if err != nil {
			fail(fmt.Errorf("could not determine the host's own path: %w", err))
		}
		exe = filepath.Join(filepath.Dir(self), "pulumi-language-python-exec")
		if _, err := os.Stat(exe); err != nil {
			fail(fmt.Errorf("missing executor %s: %w", exe, err))
		}
	}
	host := &pythonHost{exec: exe}
	if args := flag.Args(); len(args) > 0 {
		host.engineAddress = args[0]
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	cancel := make(chan bool)
	go func() {
		<-ctx.Done()
		stop()
		close(cancel)
	}()
	if host.engineAddress != "" {
		if err := rpcutil.Healthcheck(ctx, host.engineAddress, 5*time.Minute, stop); err != nil {
			fail(fmt.Errorf("could not start the health check: %w", err))
		}
	}
	host.stop = stop
	host.cancelCtx, host.cancelRun = context.WithCancel(context.Background())
	handle, err := rpcutil.ServeWithOptions(rpcutil.ServeOptions{
		Cancel: cancel,
		Init: func(srv *grpc.Server) error {
			pulumirpc.RegisterLanguageRuntimeServer(srv, host)
			return nil
		},
	})
	if err != nil {
		fail(fmt.Errorf("could not start the language host: %w", err))
	}
	// The engine reads the port from the first line of standard output.
	fmt.Printf("%d\n", handle.Port)
	if err := <-handle.Done; err != nil {
		fail(fmt.Errorf("the language host stopped serving: %w", err))
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "pulumi-language-python: %v\n", err)
	os.Exit(1)
}

type pythonHost struct {
	pulumirpc.UnimplementedLanguageRuntimeServer

	exec          string
	engineAddress string
	cancelCtx     context.Context
	cancelRun     context.CancelFunc
	stop          context.CancelFunc // stops serving
}

// options reads Pulumi.yaml's runtime options as Pulumi's host does (virtualenv, toolchain, typechecker).
func options(info *pulumirpc.ProgramInfo, isPlugin bool) (toolchain.PythonOptions, error) {
	opts := toolchain.PythonOptions{Root: info.GetRootDirectory(), ProgramDir: info.GetProgramDirectory()}
	raw := info.GetOptions().AsMap()
	if value, ok := raw["virtualenv"]; ok {
		venv, isString := value.(string)
		if !isString {
			return opts, errors.New("virtualenv option must be a string")
		}
		opts.Virtualenv = venv
	}
	if value, ok := raw["toolchain"]; ok {
		switch value {
		case "pip":
			opts.Toolchain = toolchain.Pip
		case "poetry":
			opts.Toolchain = toolchain.Poetry
		case "uv":
			opts.Toolchain = toolchain.Uv
		default:
			return opts, fmt.Errorf("unsupported toolchain option: %v", value)
		}
	}
	if value, ok := raw["typechecker"]; ok {
		switch value {
		case "mypy":
			opts.Typechecker = toolchain.TypeCheckerMypy
		case "pyright":
			opts.Typechecker = toolchain.TypeCheckerPyright
		default:
			return opts, fmt.Errorf("unsupported typechecker option: %v", value)
		}
	}
	if isPlugin && opts.Virtualenv == "" && (opts.Toolchain == toolchain.Pip || opts.Toolchain == toolchain.Auto) {
		opts.Virtualenv = "venv"
	}
	return opts, nil
}

func (h *pythonHost) Handshake(
	ctx context.Context, req *pulumirpc.LanguageHandshakeRequest,
) (*pulumirpc.LanguageHandshakeResponse, error) {
	h.engineAddress = req.GetEngineAddress()
	// As when the address comes on the command line: exit when the engine is gone.
	if err := rpcutil.Healthcheck(context.Background(), h.engineAddress, 5*time.Minute, h.stop); err != nil {
		return nil, fmt.Errorf("could not start the health check: %w", err)
	}
	return &pulumirpc.LanguageHandshakeResponse{}, nil
}

func (h *pythonHost) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: version.Version}, nil
}

func (h *pythonHost) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	h.cancelRun()
	return &emptypb.Empty{}, nil
}

func (h *pythonHost) RuntimeOptionsPrompts(
	context.Context, *pulumirpc.RuntimeOptionsRequest,
) (*pulumirpc.RuntimeOptionsResponse, error) {
	return &pulumirpc.RuntimeOptionsResponse{}, nil
}

// pluginScript prints, for each distribution named on the command line, its version and the text of the
// pulumi-plugin.json in its top-level package ("" when there is none).
const pluginScript = `import importlib.metadata, importlib.util, json, os, sys
out = {}
for name in sys.argv[1:]:
    try:
        dist = importlib.metadata.distribution(name)
        spec = importlib.util.find_spec(dist.metadata["Name"].replace("-", "_"))
        text = ""
        for location in (list(spec.submodule_search_locations or []) if spec else []):
            path = os.path.join(str(location), "pulumi-plugin.json")
            if os.path.isfile(path):
                with open(path) as f:
                    text = f.read()
                break
        out[name] = {"version": dist.version, "plugin": text}
    except Exception:
        pass
print(json.dumps(out))`

type pluginJSON struct {
	Resource bool   `json:"resource"`
	Name     string `json:"name"`
	Version  string `json:"version"`
	Server   string `json:"server"`
}

// Distributions that are known to have no plugin although their names start with pulumi-.
var withoutPlugins = map[string]bool{"pulumi": true, "pulumi-policy": true, "pulumi-esc-sdk": true}

func (h *pythonHost) GetRequiredPackages(
	ctx context.Context, req *pulumirpc.GetRequiredPackagesRequest,
) (*pulumirpc.GetRequiredPackagesResponse, error) {
	opts, err := options(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.EnsureVenv(ctx, req.GetInfo().GetProgramDirectory(), false, true, os.Stderr, os.Stderr); err != nil {
		return nil, err
	}
	installed, err := tc.ListPackages(ctx, true)
	if err != nil {
		return nil, err
	}
	args := []string{"-c", pluginScript}
	for _, pkg := range installed {
		if strings.HasPrefix(pkg.Name, "pulumi-") && !withoutPlugins[pkg.Name] {
			args = append(args, pkg.Name)
		}
	}
	packages := []*pulumirpc.PackageDependency{}
	if len(args) == 2 {
		return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
	}
	cmd, err := tc.Command(ctx, args...)
	if err != nil {
		return nil, err
	}
	text, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("listing the program's Pulumi packages: %w", err)
	}
	var found map[string]struct {
		Version string `json:"version"`
		Plugin  string `json:"plugin"`
	}
	if err := json.Unmarshal(text, &found); err != nil {
		return nil, fmt.Errorf("listing the program's Pulumi packages: %w", err)
	}
	for _, pkg := range installed {
		info, ok := found[pkg.Name]
		if !ok {
			continue
		}
		meta := pluginJSON{Resource: true}
		if info.Plugin != "" {
			if err := json.Unmarshal([]byte(info.Plugin), &meta); err != nil {
				return nil, fmt.Errorf("failed to parse pulumi-plugin.json for %s: %w", pkg.Name, err)
			}
			if !meta.Resource {
				continue
			}
		}
		if meta.Name == "" {
			meta.Name = strings.TrimPrefix(pkg.Name, "pulumi-")
		}
		if meta.Version == "" {
			meta.Version = pluginVersion(info.Version)
			if meta.Version == "" {
				continue // a pre-release whose plugin version cannot be derived, as Pulumi's host skips it
			}
		}
		if !strings.HasPrefix(meta.Version, "v") {
			meta.Version = "v" + meta.Version
		}
		packages = append(packages, &pulumirpc.PackageDependency{
			Name: meta.Name, Kind: "resource", Version: meta.Version, Server: meta.Server,
		})
	}
	return &pulumirpc.GetRequiredPackagesResponse{Packages: packages}, nil
}

// pluginVersion turns a plain release version (1.2 or 1.2.3) into a plugin version; "" for anything else.
func pluginVersion(pep440 string) string {
	parts := strings.Split(pep440, ".")
	if len(parts) < 1 || len(parts) > 3 {
		return ""
	}
	for _, part := range parts {
		if _, err := strconv.Atoi(part); err != nil {
			return ""
		}
	}
	for len(parts) < 3 {
		parts = append(parts, "0")
	}
	return strings.Join(parts, ".")
}

func (h *pythonHost) Run(ctx context.Context, req *pulumirpc.RunRequest) (*pulumirpc.RunResponse, error) {
	opts, err := options(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	if err := tc.ValidateVenv(ctx); err != nil {
		return nil, err
	}
	if opts.Typechecker != toolchain.TypeCheckerNone {
		return nil, errors.New("the typechecker option is not supported by this language host")
	}

	args := []string{h.exec}
	flagArg := func(name, value string) {
		if value != "" {
			args = append(args, "--"+name, value)
		}
	}
	flagArg("monitor", req.GetMonitorAddress())
	flagArg("engine", h.engineAddress)
	flagArg("project", req.GetProject())
	flagArg("root_directory", req.GetInfo().GetRootDirectory())
	flagArg("stack", req.GetStack())
	flagArg("pwd", req.GetPwd())
	flagArg("dry_run", strconv.FormatBool(req.GetDryRun()))
	flagArg("parallel", strconv.Itoa(int(req.GetParallel())))
	flagArg("organization", req.GetOrganization())
	args = append(args, req.GetInfo().GetEntryPoint())
	args = append(args, req.GetArgs()...)

	config, err := json.Marshal(req.GetConfig())
	if err != nil {
		return nil, fmt.Errorf("failed to serialize configuration: %w", err)
	}
	secretKeys := req.GetConfigSecretKeys()
	if secretKeys == nil {
		secretKeys = []string{}
	}
	secretJSON, err := json.Marshal(secretKeys)
	if err != nil {
		return nil, fmt.Errorf("failed to serialize configuration secret keys: %w", err)
	}

	runCtx, stopRun := context.WithCancel(h.cancelCtx)
	defer stopRun()
	context.AfterFunc(ctx, stopRun)
	cmd, err := tc.Command(runCtx, args...)
	if err != nil {
		return nil, err
	}
	cmd.Cancel = func() error {
		if err := cmd.Process.Signal(os.Interrupt); err != nil {
			return cmd.Process.Kill()
		}
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	if req.GetConfig() != nil {
		env = append(env, "PULUMI_CONFIG="+string(config))
	}
	cmd.Env = append(env, "PULUMI_CONFIG_SECRET_KEYS="+string(secretJSON))

	if err := cmd.Run(); err != nil {
		_ = os.Stdout.Sync()
		_ = os.Stderr.Sync()
		var exitErr *exec.ExitError
		if !errors.As(err, &exitErr) {
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("problem executing program (could not run language executor): %v", err),
			}, nil
		}
		status, ok := exitErr.Sys().(syscall.WaitStatus)
		switch {
		case ok && status.ExitStatus() == exitAfterUserActionableMessage:
			return &pulumirpc.RunResponse{Bail: true}, nil
		case ok && status.ExitStatus() > 0:
			return &pulumirpc.RunResponse{
				Error: fmt.Sprintf("program exited with non-zero exit code: %d", status.ExitStatus()),
			}, nil
		default:
			return &pulumirpc.RunResponse{Error: fmt.Sprintf("program exited unexpectedly: %v", exitErr)}, nil
		}
	}
	return &pulumirpc.RunResponse{}, nil
}

func (h *pythonHost) InstallDependencies(
	req *pulumirpc.InstallDependenciesRequest, server pulumirpc.LanguageRuntime_InstallDependenciesServer,
) error {
	opts, err := options(req.GetInfo(), req.GetIsPlugin())
	if err != nil {
		return err
	}
	closer, stdout, stderr, err := rpcutil.MakeInstallDependenciesStreams(server, req.GetIsTerminal())
	if err != nil {
		return err
	}
	defer closer.Close()
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, "Installing dependencies...\n\n")
	if err := tc.InstallDependencies(server.Context(), req.GetInfo().GetProgramDirectory(),
		req.GetUseLanguageVersionTools(), true, stdout, stderr); err != nil {
		return err
	}
	fmt.Fprint(stdout, "Finished installing dependencies\n\n")
	return closer.Close()
}

func (h *pythonHost) About(ctx context.Context, req *pulumirpc.AboutRequest) (*pulumirpc.AboutResponse, error) {
	opts := toolchain.PythonOptions{Toolchain: toolchain.Pip}
	if req.GetInfo() != nil {
		var err error
		if opts, err = options(req.GetInfo(), false); err != nil {
			return nil, err
		}
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	info, err := tc.About(ctx)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.AboutResponse{
		Executable: info.PythonExecutable,
		Version:    info.PythonVersion.String(),
		Metadata:   map[string]string{"toolchain": toolchain.Name(opts.Toolchain)},
	}, nil
}

func (h *pythonHost) GetProgramDependencies(
	ctx context.Context, req *pulumirpc.GetProgramDependenciesRequest,
) (*pulumirpc.GetProgramDependenciesResponse, error) {
	opts, err := options(req.GetInfo(), false)
	if err != nil {
		return nil, err
	}
	tc, err := toolchain.ResolveToolchain(opts)
	if err != nil {
		return nil, err
	}
	packages, err := tc.ListPackages(ctx, req.GetTransitiveDependencies())
	if err != nil {
		return nil, fmt.Errorf("failed to get python dependencies: %w", err)
	}
	deps := make([]*pulumirpc.DependencyInfo, len(packages))
	for i, pkg := range packages {
		deps[i] = &pulumirpc.DependencyInfo{Name: pkg.Name, Version: pkg.Version}
	}
	return &pulumirpc.GetProgramDependenciesResponse{Dependencies: deps}, nil
}
