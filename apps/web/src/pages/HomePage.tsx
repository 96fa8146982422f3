// After sign-in: the last workspace used, or the first, or an invitation
// to create one.
import { type FormEvent, useState } from "react";
import { Navigate, useNavigate } from "react-router-dom";
import { useCreateWorkspace, useWorkspaces } from "../api/hooks";
import { Button, EmptyState, ErrorMessage, Skeleton, TextField } from "../components/ui";

export default function HomePage() {
  const workspaces = useWorkspaces();
  const create = useCreateWorkspace();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  if (workspaces.isLoading) return <Skeleton lines={4} label="Loading your workspaces" />;
  const last = localStorage.getItem("cabinet.workspace");
  const target = workspaces.data?.find((w) => w.id === last) ?? workspaces.data?.[0];
  if (target) return <Navigate to={`/w/${target.id}`} replace />;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const created = await create.mutateAsync(name);
    navigate(`/w/${created.id}`);
  }
  return (
    <EmptyState title="Welcome to Cabinet">
      <p>Create a workspace for your team’s documents.</p>
      <form onSubmit={submit} className="row wrap">
        <ErrorMessage error={create.error ?? workspaces.error} />
        <TextField label="Workspace name" required value={name} onChange={(e) => setName(e.target.value)} />
        <Button type="submit" variant="primary" busy={create.isPending}>
          Create workspace
        </Button>
      </form>
    </EmptyState>
  );
}
