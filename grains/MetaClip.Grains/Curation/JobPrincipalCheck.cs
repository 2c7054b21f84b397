using MetaClip.Engine;
using MetaClip.GrainInterfaces;

namespace MetaClip.Grains.Curation;

/// <summary>
/// Who may change a job (cancel, retry): the principal that submitted it, or an operator (<c>MetaClip:Operators</c>).
/// A job recorded without a principal (submitted before principals were) may be changed by anyone, as before. The
/// principal is the one the call carries (<see cref="JobPrincipal"/>): with TLS verified by the silo from the client's
/// certificate (<c>PrincipalVerification</c>), without TLS what the client says.
/// </summary>
public static class JobPrincipalCheck
{
    /// <summary>Refuses (a <see cref="CurationException"/> naming who may) when <paramref name="caller"/> may not <paramref name="action"/> the job.</summary>
    public static void EnsureMayChange(string jobId, string? submittedBy, string? caller, IReadOnlySet<string> operators, string action)
    {
        ArgumentNullException.ThrowIfNull(operators);
        if (submittedBy is null || string.Equals(caller, submittedBy, StringComparison.Ordinal) || (caller is not null && (operators.Contains(caller) || caller == JobPrincipal.HttpOperator)))
        {
            return;
        }

        throw new CurationException(
            $"{action} job {jobId}: it was submitted by {submittedBy}; only they or an operator (MetaClip:Operators) may {action} it, and this call comes from {caller ?? "an unnamed client"}");
    }
}
