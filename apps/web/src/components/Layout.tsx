// The frame around every signed-in page: the workspace switcher, search,
// the account menu, navigation, and the upload panel.
import { type FormEvent, useEffect, useState } from "react";
import { NavLink, Outlet, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { useCreateWorkspace, useWorkspaces } from "../api/hooks";
import { useAuth } from "../auth/AuthProvider";
import { Button, Dialog, ErrorMessage, TextField } from "./ui";
import { UploadPanel } from "./uploads";
import { DropZone } from "./DropZone";

export function WorkspaceSwitcher() {
  const { ws } = useParams();
  const navigate = useNavigate();
  const workspaces = useWorkspaces();
  const create = useCreateWorkspace();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState("");

  async function submit(event: FormEvent) {
    event.preventDefault();
    const created = await create.mutateAsync(name);
    setOpen(false);
    setName("");
    navigate(`/w/${created.id}`);
  }

  return (
    <div className="switcher">
      <label htmlFor="workspace-switcher" className="visually-hidden">
        Workspace
      </label>
      <select
        id="workspace-switcher"
        value={ws ?? ""}
        onChange={(e) => (e.target.value === "+new" ? setOpen(true) : navigate(`/w/${e.target.value}`))}
      >
        {!ws ? <option value="">Choose a workspace</option> : null}
        {workspaces.data?.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
        <option value="+new">+ New workspace…</option>
      </select>
      <Dialog
        open={open}
        title="New workspace"
        onClose={() => setOpen(false)}
        footer={
          <>
            <Button onClick={() => setOpen(false)}>Cancel</Button>
            <Button variant="primary" type="submit" form="new-workspace" busy={create.isPending}>
              Create
            </Button>
          </>
        }
      >
        <form id="new-workspace" onSubmit={submit}>
          <ErrorMessage error={create.error} />
          <TextField label="Name" required autoFocus value={name} onChange={(e) => setName(e.target.value)} />
        </form>
      </Dialog>
    </div>
  );
}

function SearchBox() {
  const { ws } = useParams();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [q, setQ] = useState(params.get("q") ?? "");
  useEffect(() => setQ(params.get("q") ?? ""), [params]);
  if (!ws) return null;
  return (
    <form
      role="search"
      className="searchbox"
      onSubmit={(e) => {
        e.preventDefault();
        if (q.trim()) navigate(`/w/${ws}/search?q=${encodeURIComponent(q.trim())}`);
      }}
    >
      <label htmlFor="global-search" className="visually-hidden">
        Search documents
      </label>
      <input id="global-search" type="search" placeholder="Search documents…" value={q} onChange={(e) => setQ(e.target.value)} />
    </form>
  );
}

export default function Layout() {
  const { ws } = useParams();
  const { user, signOut } = useAuth();
  const workspaces = useWorkspaces();
  const role = workspaces.data?.find((w) => w.id === ws)?.role;
  const admin = role === "owner" || role === "admin";
  return (
    <div className="app">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand">
          Cabinet
        </NavLink>
        <WorkspaceSwitcher />
        <SearchBox />
        <span className="spacer" />
        <NavLink to="/account" className="account-link">
          {user?.display_name}
        </NavLink>
        <Button variant="ghost" onClick={() => void signOut()}>
          Sign out
        </Button>
      </header>
      <div className={ws ? "shell" : "shell shell-single"}>
        {ws ? (
          <nav className="sidebar" aria-label="Workspace">
            <NavLink to={`/w/${ws}`} end>
              Files
            </NavLink>
            <NavLink to={`/w/${ws}/search`}>Search</NavLink>
            <NavLink to={`/w/${ws}/trash`}>Trash</NavLink>
            <NavLink to={`/w/${ws}/members`}>Members</NavLink>
            {admin ? <NavLink to={`/w/${ws}/audit`}>Audit log</NavLink> : null}
            {admin ? <NavLink to={`/w/${ws}/integrations`}>API keys &amp; webhooks</NavLink> : null}
          </nav>
        ) : null}
        <main id="main" className="content" tabIndex={-1}>
          <DropZone>
            <Outlet />
          </DropZone>
        </main>
      </div>
      <UploadPanel />
    </div>
  );
}
